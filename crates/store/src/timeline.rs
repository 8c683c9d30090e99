//! One person's page and the family's timeline: the person's details and identifiers, and
//! everything that happened to the family's record — referrals and their history, consent given
//! and withdrawn, sharing without consent, moves, merged duplicates — gathered from the records
//! each lives in and put newest first by the domain's one rule ([`domain::timeline`]).
//!
//! Reading either needs the family's [`ViewFamily`] permit; the person's page is audited as a
//! read of that person, as the family page is of the family.

use crate::audit::AuditEntry;
use crate::{Store, StoreError};
use domain::consent::OverrideGround;
use domain::family::{AgeRangeRefused, HouseholdRole};
use domain::referral::{EventKind, ReferralStatus, Route};
use domain::timeline::{Entry, EntryKind};
use domain::{ConsentId, FamilyId, PersonId, ReferralId};
use policy::{Permit, RecordPerson, ViewFamily};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One person of a family, as their page shows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PersonView {
    /// The person.
    pub id: PersonId,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: Date,
    /// Sex as recorded.
    pub sex: String,
    /// Place in the household.
    pub household_role: HouseholdRole,
    /// Has a disability.
    pub has_disability: bool,
    /// NHS number, Unique Pupil Number, National Insurance number, where recorded.
    pub identifiers: Vec<(&'static str, String)>,
    /// Names on duplicate records merged into this one.
    pub merged_from: Vec<String>,
    /// For editing: the version read.
    pub version: i64,
    /// The first line of the family's address, for the page's heading.
    pub address_line: String,
}

/// Why a person's disability could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum PersonEditError {
    /// Without a disability, this child or young person would be outside early help's range.
    #[error(transparent)]
    Refused(#[from] AgeRangeRefused),
    /// Someone else changed the person since they were read.
    #[error("someone else changed this person")]
    Stale,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PersonEditError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

fn by(name: Option<String>) -> String {
    name.unwrap_or_else(|| "earlyhelp (automatic)".to_owned())
}

fn london(at: OffsetDateTime) -> Date {
    domain::clock::london_date(at)
}

impl Store {
    /// One live (not merged) person of the permit's family, recorded in the audit trail as
    /// read by the permit's holder. `None` when the person is not in that family.
    pub async fn view_person(
        &self,
        permit: &Permit<ViewFamily>,
        person: PersonId,
        address: &str,
    ) -> Result<Option<PersonView>, StoreError> {
        type Row = (
            String,
            String,
            Date,
            String,
            String,
            bool,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
            String,
        );
        let (row, merged): (Option<Row>, Vec<(String, String)>) = read!(self, db => {
            let row = sqlx::query_as(
                "SELECT p.given_name, p.family_name, p.date_of_birth, p.sex, p.household_role, p.has_disability, p.nhs_number, p.upn, \
                 p.national_insurance_number, p.version, f.address_line FROM people p JOIN families f ON f.id = p.family_id \
                 WHERE p.id = $1 AND p.family_id = $2 AND p.merged_into IS NULL",
            )
            .bind(person.0)
            .bind(permit.family().0)
            .fetch_optional(db)
            .await?;
            let merged = sqlx::query_as("SELECT given_name, family_name FROM people WHERE merged_into = $1 ORDER BY merged_at, id")
                .bind(person.0)
                .fetch_all(db)
                .await?;
            (row, merged)
        });
        let Some((given_name, family_name, date_of_birth, sex, role, has_disability, nhs, upn, ni, version, address_line)) = row else {
            return Ok(None);
        };
        let mut identifiers = Vec::new();
        if let Some(n) = nhs.as_deref().and_then(|n| domain::identifiers::NhsNumber::parse(n).ok()) {
            identifiers.push(("NHS number", n.to_string()));
        }
        if let Some(u) = upn {
            identifiers.push(("Unique Pupil Number", u));
        }
        if let Some(n) = ni {
            identifiers.push(("National Insurance number", n));
        }
        self.audit_read(
            AuditEntry::new(Some(permit.principal().user), "person.view", "person", Some(person.to_string()))
                .from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(Some(PersonView {
            id: person,
            given_name,
            family_name,
            date_of_birth,
            sex,
            household_role: crate::error::parse_code(&role, "household role")?,
            has_disability,
            identifiers,
            merged_from: merged.into_iter().map(|(g, f)| format!("{g} {f}")).collect(),
            version,
            address_line,
        }))
    }

    /// Records whether a person of the permit's family has a disability, with the version the
    /// person read. Refused when taking it away would leave a child or young person of 20 to 25
    /// outside early help's range: they must be recorded as an adult instead.
    pub async fn set_disability(
        &self,
        permit: &Permit<RecordPerson>,
        person: PersonId,
        has_disability: bool,
        version: i64,
        address: &str,
    ) -> Result<(), PersonEditError> {
        let row: Option<(Date, String, i64)> = read!(self, db => sqlx::query_as(
            "SELECT date_of_birth, household_role, version FROM people WHERE id = $1 AND family_id = $2 AND merged_into IS NULL",
        )
        .bind(person.0)
        .bind(permit.family().0)
        .fetch_optional(db)
        .await?);
        let Some((born, role, stored)) = row else {
            return Err(StoreError::NotFound("person").into());
        };
        if stored != version {
            return Err(PersonEditError::Stale);
        }
        let role: HouseholdRole = crate::error::parse_code(&role, "household role")?;
        domain::family::check_household_role(role, born, self.clock.today(), has_disability)?;
        let actor = permit.principal().user;
        write!(self, tx, kind => {
            let updated = sqlx::query("UPDATE people SET has_disability = $1, version = version + 1 WHERE id = $2 AND version = $3")
                .bind(has_disability)
                .bind(person.0)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if updated == 0 {
                return Err(PersonEditError::Stale);
            }
            audit_append!(tx, self, AuditEntry::new(Some(actor), "person.disability", "person", Some(person.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// The permit's family's timeline, newest first: part of the family (or person) read the
    /// permit was given for, which is audited there.
    pub async fn family_timeline(&self, permit: &Permit<ViewFamily>) -> Result<Vec<Entry>, StoreError> {
        let family = permit.family();
        let mut entries = Vec::new();
        self.referral_entries(family, &mut entries).await?;
        self.consent_entries(family, &mut entries).await?;
        self.override_entries(family, &mut entries).await?;
        for m in crate::moves::family_moves(self, family).await? {
            entries.push(Entry {
                on: m.moved_on,
                at: Some(m.recorded_at),
                by: m.recorded_by.clone(),
                kind: EntryKind::Moved {
                    from_locality: m.changed_locality().then(|| m.from_locality.clone()),
                    to: m.to_address,
                    to_locality: m.to_locality,
                },
            });
        }
        // The panel's decisions on the family's case, with their reasons.
        type Decided = (OffsetDateTime, String, String, String, String);
        let decisions: Vec<Decided> = read!(self, db => sqlx::query_as(
            "SELECT d.decided_at, u.given_name || ' ' || u.family_name, p.name, d.outcome, d.reasons \
             FROM decisions d JOIN meetings m ON m.id = d.meeting_id JOIN panels p ON p.id = m.panel_id \
             JOIN users u ON u.id = d.decided_by WHERE d.family_id = $1",
        )
        .bind(family.0)
        .fetch_all(db)
        .await?);
        for (at, who, panel, outcome, reasons) in decisions {
            let Some(outcome) = domain::decision::Outcome::from_code(&outcome) else {
                continue;
            };
            entries.push(Entry {
                on: london(at),
                at: Some(at),
                by: who,
                kind: EntryKind::PanelDecision { panel, outcome, reasons },
            });
        }
        type Merge = (String, String, String, String, Option<OffsetDateTime>, Option<String>);
        let merges: Vec<Merge> = read!(self, db => sqlx::query_as(
            "SELECT d.given_name, d.family_name, k.given_name, k.family_name, d.merged_at, u.given_name || ' ' || u.family_name \
             FROM people d JOIN people k ON k.id = d.merged_into LEFT JOIN users u ON u.id = d.merged_by WHERE k.family_id = $1",
        )
        .bind(family.0)
        .fetch_all(db)
        .await?);
        for (dg, df, kg, kf, at, who) in merges {
            let Some(at) = at else { continue };
            entries.push(Entry {
                on: london(at),
                at: Some(at),
                by: by(who),
                kind: EntryKind::PeopleMerged {
                    kept: format!("{kg} {kf}"),
                    duplicate: format!("{dg} {df}"),
                },
            });
        }
        Ok(domain::timeline::newest_first(entries))
    }

    async fn referral_entries(&self, family: FamilyId, entries: &mut Vec<Entry>) -> Result<(), StoreError> {
        type Made = (Uuid, String, bool, OffsetDateTime, String, Option<String>);
        type Change = (Uuid, String, String, OffsetDateTime, Option<String>);
        let (made, changes): (Vec<Made>, Vec<Change>) = read!(self, db => {
            let made = sqlx::query_as(
                "SELECT r.id, r.route, r.urgent, r.created_at, u.given_name || ' ' || u.family_name, s.override_justification \
                 FROM referrals r JOIN users u ON u.id = r.referred_by LEFT JOIN sharing_log s ON s.id = r.consent_override_entry \
                 WHERE r.family_id = $1",
            )
            .bind(family.0)
            .fetch_all(db)
            .await?;
            // The first history row is the submission the referral was made with: shown as made.
            let changes = sqlx::query_as(
                "SELECT h.referral_id, h.event, h.to_status, h.at, u.given_name || ' ' || u.family_name \
                 FROM referral_history h JOIN referrals r ON r.id = h.referral_id LEFT JOIN users u ON u.id = h.by_user_id \
                 WHERE r.family_id = $1 AND h.seq > 1 ORDER BY h.referral_id, h.seq",
            )
            .bind(family.0)
            .fetch_all(db)
            .await?;
            (made, changes)
        });
        for (id, route, urgent, at, who, without_consent) in made {
            entries.push(Entry {
                on: london(at),
                at: Some(at),
                by: who,
                kind: EntryKind::ReferralMade {
                    referral: ReferralId(id),
                    route: crate::error::parse_code::<Route>(&route, "referral route")?,
                    urgent,
                    without_consent,
                },
            });
        }
        for (id, event, to, at, who) in changes {
            entries.push(Entry {
                on: london(at),
                at: Some(at),
                by: by(who),
                kind: EntryKind::ReferralChanged {
                    referral: ReferralId(id),
                    event: crate::error::parse_code::<EventKind>(&event, "referral event")?,
                    to: crate::error::parse_code::<ReferralStatus>(&to, "referral status")?,
                },
            });
        }
        Ok(())
    }

    async fn consent_entries(&self, family: FamilyId, entries: &mut Vec<Entry>) -> Result<(), StoreError> {
        type Row = (
            Uuid,
            String,
            Date,
            String,
            OffsetDateTime,
            Option<String>,
            Option<Date>,
            Option<String>,
            i64,
        );
        let rows: Vec<Row> = read!(self, db => sqlx::query_as(
            "SELECT c.id, c.given_by, c.given_on, c.scopes, c.recorded_at, r.given_name || ' ' || r.family_name, c.withdrawn_on, \
             w.given_name || ' ' || w.family_name, \
             (SELECT COUNT(*) FROM consent_exclusions x WHERE x.consent_id = c.id AND NOT x.readmitted) \
             FROM consents c LEFT JOIN users r ON r.id = c.recorded_by LEFT JOIN users w ON w.id = c.withdrawal_recorded_by \
             WHERE c.family_id = $1",
        )
        .bind(family.0)
        .fetch_all(db)
        .await?);
        for (id, given_by, given_on, scopes, recorded_at, recorded_by, withdrawn_on, withdrawn_by, exclusions) in rows {
            let mut covers = Vec::new();
            for s in scopes.split_whitespace() {
                match s {
                    "early_help_referral" => covers.push("an early help referral"),
                    "panel_discussion" => covers.push("discussion at a panel"),
                    s if s.starts_with("sharing_with:") && !covers.contains(&"sharing with named services") => {
                        covers.push("sharing with named services");
                    }
                    _ => {}
                }
            }
            entries.push(Entry {
                on: given_on,
                at: Some(recorded_at),
                by: by(recorded_by),
                kind: EntryKind::ConsentGiven {
                    consent: ConsentId(id),
                    given_by,
                    covers,
                    exclusions: usize::try_from(exclusions).unwrap_or(0),
                },
            });
            if let Some(on) = withdrawn_on {
                entries.push(Entry {
                    on,
                    at: None,
                    by: by(withdrawn_by),
                    kind: EntryKind::ConsentWithdrawn { consent: ConsentId(id) },
                });
            }
        }
        Ok(())
    }

    async fn override_entries(&self, family: FamilyId, entries: &mut Vec<Entry>) -> Result<(), StoreError> {
        type Row = (Date, OffsetDateTime, String, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = read!(self, db => sqlx::query_as(
            "SELECT s.decided_on, s.recorded_at, s.recipient_description, s.override_ground, s.override_justification, \
             a.given_name || ' ' || a.family_name FROM sharing_log s LEFT JOIN users a ON a.id = s.override_authorised_by \
             WHERE s.family_id = $1 AND s.consent_override \
             AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.consent_override_entry = s.id)",
        )
        .bind(family.0)
        .fetch_all(db)
        .await?);
        for (on, at, recipient, ground, justification, authorised_by) in rows {
            entries.push(Entry {
                on,
                at: Some(at),
                by: by(authorised_by),
                kind: EntryKind::SharedWithoutConsent {
                    ground: ground.as_deref().and_then(|g| g.parse::<OverrideGround>().ok()),
                    recipient,
                    justification: justification.unwrap_or_default(),
                },
            });
        }
        Ok(())
    }
}
