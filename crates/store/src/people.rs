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

/// Why two person records could not be merged; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The same record twice.
    #[error("Choose a different record: a record cannot be merged with itself")]
    SamePerson,
    /// One of them was merged already.
    #[error("One of these records has already been merged into another; open the family again to see where")]
    AlreadyMerged,
    /// A person is not in the family the permit names.
    #[error("That record is not in the family it was chosen from")]
    NotInFamily,
    /// Both have a different identifier of the same kind: different people, or a mistyped
    /// number.
    #[error("The records have different {0}s: they are different people, or one number is wrong. Correct it before merging")]
    ConflictingIdentifier(&'static str),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for MergeError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

/// A person as the family's pages show them for merging.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PersonSummary {
    /// The person.
    pub id: PersonId,
    /// "Robin Example".
    pub name: String,
    /// Date of birth.
    pub date_of_birth: Date,
    /// NHS number, UPN, National Insurance number, where recorded.
    pub identifiers: Vec<(&'static str, String)>,
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
    /// Has a disability: keeps a young person of 20 to 25 in early help's range.
    pub has_disability: bool,
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
    pub(crate) async fn postcode_table(&self) -> Result<Vec<PostcodeArea>, StoreError> {
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
            audit_append!(tx, self, AuditEntry::new(Some(actor), "family.record", "family", Some(id.to_string()))
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
                 national_insurance_number, created_at, created_by, has_disability) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
            .bind(person.has_disability)
            .execute(&mut *tx)
            .await?;
            audit_append!(tx, self, AuditEntry::new(Some(actor), "person.record", "family", Some(family.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(id)
    }

    /// One live (not merged) person of the permit's family.
    pub async fn person_in_family(
        &self,
        permit: &Permit<RecordPerson>,
        person: PersonId,
    ) -> Result<Option<(PersonSummary, PersonDetails)>, StoreError> {
        type Row = (String, String, Date, Option<String>, Option<String>, Option<String>, String);
        let row: Option<Row> = read!(self, db => sqlx::query_as(
            "SELECT p.given_name, p.family_name, p.date_of_birth, p.nhs_number, p.upn, p.national_insurance_number, f.postcode \
             FROM people p JOIN families f ON f.id = p.family_id WHERE p.id = $1 AND p.family_id = $2 AND p.merged_into IS NULL",
        )
        .bind(person.0)
        .bind(permit.family().0)
        .fetch_optional(db)
        .await?);
        Ok(row.map(|(given, family, dob, nhs, upn, ni, postcode)| {
            let mut identifiers = Vec::new();
            for (label, value) in [
                ("NHS number", &nhs),
                ("Unique Pupil Number", &upn),
                ("National Insurance number", &ni),
            ] {
                if let Some(v) = value {
                    identifiers.push((label, v.clone()));
                }
            }
            (
                PersonSummary {
                    id: person,
                    name: format!("{given} {family}"),
                    date_of_birth: dob,
                    identifiers,
                },
                PersonDetails {
                    first_name: given,
                    surname: family,
                    date_of_birth: Some(dob),
                    postcode: Postcode::parse(&postcode).ok(),
                    nhs_number: nhs.as_deref().and_then(|n| NhsNumber::parse(n).ok()),
                    upn: upn.as_deref().and_then(|n| UniquePupilNumber::parse(n).ok()),
                    national_insurance_number: ni.as_deref().and_then(|n| NationalInsuranceNumber::parse(n).ok()),
                },
            )
        }))
    }

    /// Merges `duplicate` into `keep`: the kept record takes any identifier it lacks, and the
    /// duplicate is marked as merged into it, by whom and when — kept, never deleted, so its
    /// history (consent it gave, what it was called) stays readable and the audit trail points
    /// at both. Both permits are for recording people, each in its person's family.
    pub async fn merge_people(
        &self,
        keep: (&Permit<RecordPerson>, PersonId),
        duplicate: (&Permit<RecordPerson>, PersonId),
        address: &str,
    ) -> Result<(), MergeError> {
        if keep.1 == duplicate.1 {
            return Err(MergeError::SamePerson);
        }
        let actor = keep.0.principal().user;
        let now = self.now();
        type Row = (Uuid, Option<Uuid>, Option<String>, Option<String>, Option<String>);
        write!(self, tx, kind => {
            let mut rows: Vec<Row> = Vec::new();
            for (permit, person) in [keep, duplicate] {
                let row: Option<Row> = sqlx::query_as(
                    "SELECT family_id, merged_into, nhs_number, upn, national_insurance_number FROM people WHERE id = $1",
                )
                .bind(person.0)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Err(MergeError::NotInFamily) };
                if row.0 != permit.family().0 {
                    return Err(MergeError::NotInFamily);
                }
                if row.1.is_some() {
                    return Err(MergeError::AlreadyMerged);
                }
                rows.push(row);
            }
            let (k, d) = (&rows[0], &rows[1]);
            for (label, a, b) in [("NHS number", &k.2, &d.2), ("Unique Pupil Number", &k.3, &d.3), ("National Insurance number", &k.4, &d.4)] {
                if let (Some(a), Some(b)) = (a, b)
                    && a != b
                {
                    return Err(MergeError::ConflictingIdentifier(label));
                }
            }
            sqlx::query(
                "UPDATE people SET nhs_number = COALESCE(nhs_number, $1), upn = COALESCE(upn, $2), \
                 national_insurance_number = COALESCE(national_insurance_number, $3), version = version + 1 WHERE id = $4",
            )
            .bind(d.2.as_deref())
            .bind(d.3.as_deref())
            .bind(d.4.as_deref())
            .bind(keep.1.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE people SET merged_into = $1, merged_at = $2, merged_by = $3, version = version + 1 WHERE id = $4 AND merged_into IS NULL")
                .bind(keep.1.0)
                .bind(now)
                .bind(actor.0)
                .bind(duplicate.1.0)
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, self, AuditEntry::new(Some(actor), "person.merge", "person", Some(format!("{}<-{}", keep.1, duplicate.1)))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// The people already held who may be `candidate`, most likely first, as far as the asker
    /// may know of them: in families they may open (shown in full), and, with the front door's
    /// permit, in any family not excluding their organisation (name, date of birth and
    /// postcode district only). The comparison is the domain's; the store only gathers a
    /// blocked set (same date of birth, surname, postcode district or identifier), the
    /// strongest blocks first, so a busy district cannot crowd out a shared identifier or
    /// birthday.
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
                 ORDER BY COALESCE(p.nhs_number = $4 OR p.upn = $5 OR p.national_insurance_number = $6, FALSE) DESC, \
                 COALESCE(p.date_of_birth = $1, FALSE) DESC, COALESCE(LOWER(p.family_name) = $2, FALSE) DESC, p.id LIMIT 2000",
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
