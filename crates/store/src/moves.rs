//! Families moving house. The new postcode allocates the family to a locality through the same
//! postcode table as when it was recorded; every move is kept (`family_moves`), with the address
//! and locality it left, so the history of where a family lived is never overwritten.
//!
//! A move that changes locality changes whose panels see the family. Referrals still waiting to
//! be signed off or screened go with the family to the new locality's chairs in the same
//! transaction; a case already accepted stays with its panel until that panel's chair redirects
//! it (seed 001's "redirect to another locality").

use crate::audit::AuditEntry;
use crate::people::RecordError;
use crate::{Store, StoreError};
use domain::family::MoveRefused;
use domain::postcode::Postcode;
use domain::{FamilyId, LocalityId};
use policy::{Permit, RecordMove, ViewFamily};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Why a move could not be recorded. The first two are the person's to put right.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// The domain refused the move (a date in the future, the same address).
    #[error(transparent)]
    Refused(#[from] MoveRefused),
    /// The new postcode is outside the council, or the store failed.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// Someone else changed the family since it was read.
    #[error("someone else changed this family")]
    Stale,
}

impl From<sqlx::Error> for MoveError {
    fn from(e: sqlx::Error) -> Self {
        Self::Record(RecordError::Store(StoreError::Database(e)))
    }
}

impl From<StoreError> for MoveError {
    fn from(e: StoreError) -> Self {
        Self::Record(RecordError::Store(e))
    }
}

/// A move as the person records it, parsed.
#[derive(Debug, Clone)]
pub struct NewMove {
    /// First line of the new address.
    pub address_line: String,
    /// Its postcode.
    pub postcode: Postcode,
    /// The day the family moved.
    pub moved_on: Date,
}

/// What a recorded move changed, for the confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveOutcome {
    /// The locality the family was in.
    pub from_locality: String,
    /// The locality it is in now.
    pub to_locality: String,
    /// Referrals waiting for sign-off or screening that moved with the family.
    pub referrals_moved: u64,
}

impl MoveOutcome {
    /// Whether the move took the family to another locality (and so other panels).
    pub fn changed_locality(&self) -> bool {
        self.from_locality != self.to_locality
    }
}

/// One move in a family's address history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FamilyMove {
    /// The day the family moved.
    pub moved_on: Date,
    /// The address left (first line, postcode).
    pub from_address: String,
    /// The locality left.
    pub from_locality: String,
    /// The address moved to.
    pub to_address: String,
    /// The locality moved to.
    pub to_locality: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: OffsetDateTime,
}

impl FamilyMove {
    /// Whether this move took the family to another locality.
    pub fn changed_locality(&self) -> bool {
        self.from_locality != self.to_locality
    }
}

/// Referral statuses that travel with a family to its new locality: nobody there has screened
/// them yet, so the chairs of the new locality should.
const TRAVELLING: &str = "('awaiting_sign_off', 'awaiting_screening', 'returned')";

impl Store {
    /// Records that the permit's family moved to a new address on a date, with the version of
    /// the family the person read (a change made meanwhile is refused, not overwritten). The
    /// postcode re-allocates the locality; the old address is kept in the family's history;
    /// referrals not yet screened follow the family to its new locality.
    pub async fn move_family(
        &self,
        permit: &Permit<RecordMove>,
        new: &NewMove,
        version: i64,
        address: &str,
    ) -> Result<MoveOutcome, MoveError> {
        let family = permit.family();
        let table = self.postcode_table().await?;
        let Some(to_locality) = domain::locality::locality_for(&new.postcode, &table) else {
            return Err(RecordError::OutsideTheCouncil(new.postcode.as_str().to_owned()).into());
        };
        type Current = (String, String, Uuid, i64, String);
        let (current, last): (Option<Current>, Option<(Date, i64)>) = read!(self, db => {
            let current = sqlx::query_as(
                "SELECT f.address_line, f.postcode, f.locality_id, f.version, l.name FROM families f \
                 JOIN localities l ON l.id = f.locality_id WHERE f.id = $1",
            )
            .bind(family.0)
            .fetch_optional(db)
            .await?;
            let last = sqlx::query_as("SELECT moved_on, seq FROM family_moves WHERE family_id = $1 ORDER BY seq DESC LIMIT 1")
                .bind(family.0)
                .fetch_optional(db)
                .await?;
            (current, last)
        });
        let Some((old_line, old_postcode, old_locality, stored_version, from_name)) = current else {
            return Err(StoreError::NotFound("family").into());
        };
        if stored_version != version {
            return Err(MoveError::Stale);
        }
        let old_pc = Postcode::parse(&old_postcode).map_err(|e| StoreError::Corrupt(format!("family postcode: {e}")))?;
        domain::family::check_move(
            new.moved_on,
            self.clock.today(),
            last.map(|(d, _)| d),
            (&old_line, &old_pc),
            (new.address_line.trim(), &new.postcode),
        )?;
        let to_name = self.locality_name(to_locality).await?;
        let seq = last.map_or(1, |(_, s)| s + 1);
        let actor = permit.principal().user;
        let now = self.now();
        let travelling = format!(
            "UPDATE referrals SET locality_id = $1, version = version + 1, updated_at = $2 WHERE family_id = $3 AND locality_id <> $1 \
             AND status IN {TRAVELLING}"
        );
        let moved_referrals: u64 = write!(self, tx, kind => {
            let updated = sqlx::query(
                "UPDATE families SET address_line = $1, postcode = $2, locality_id = $3, version = version + 1 WHERE id = $4 AND version = $5",
            )
            .bind(new.address_line.trim())
            .bind(new.postcode.as_str())
            .bind(to_locality.0)
            .bind(family.0)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Err(MoveError::Stale);
            }
            sqlx::query(
                "INSERT INTO family_moves (family_id, seq, moved_on, from_address_line, from_postcode, from_locality_id, \
                 to_address_line, to_postcode, to_locality_id, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(family.0)
            .bind(seq)
            .bind(new.moved_on)
            .bind(&old_line)
            .bind(&old_postcode)
            .bind(old_locality)
            .bind(new.address_line.trim())
            .bind(new.postcode.as_str())
            .bind(to_locality.0)
            .bind(actor.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let moved = sqlx::query(&travelling)
                .bind(to_locality.0)
                .bind(now)
                .bind(family.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            audit_append!(tx, self, AuditEntry::new(Some(actor), "family.move", "family", Some(family.to_string()))
                .from_address(Some(address.to_owned())));
            moved
        });
        if old_locality != to_locality.0 {
            tracing::info!(family = %family, referrals = moved_referrals, "family moved to another locality");
        }
        Ok(MoveOutcome {
            from_locality: from_name,
            to_locality: to_name,
            referrals_moved: moved_referrals,
        })
    }

    /// The permit's family's moves, newest first (part of the family read the permit was
    /// given for, which is audited there).
    pub async fn family_moves(&self, permit: &Permit<ViewFamily>) -> Result<Vec<FamilyMove>, StoreError> {
        family_moves(self, permit.family()).await
    }

    async fn locality_name(&self, locality: LocalityId) -> Result<String, StoreError> {
        let row: Option<(String,)> = read!(self, db => sqlx::query_as("SELECT name FROM localities WHERE id = $1")
            .bind(locality.0).fetch_optional(db).await?);
        row.map(|(n,)| n).ok_or(StoreError::NotFound("locality"))
    }
}

/// A family's moves, newest first, for the store's own reads (the timeline).
pub(crate) async fn family_moves(store: &Store, family: FamilyId) -> Result<Vec<FamilyMove>, StoreError> {
    type Row = (Date, String, String, String, String, String, String, Option<String>, OffsetDateTime);
    let rows: Vec<Row> = read!(store, db => sqlx::query_as(
        "SELECT m.moved_on, m.from_address_line, m.from_postcode, fl.name, m.to_address_line, m.to_postcode, tl.name, \
         u.given_name || ' ' || u.family_name, m.recorded_at FROM family_moves m \
         JOIN localities fl ON fl.id = m.from_locality_id JOIN localities tl ON tl.id = m.to_locality_id \
         LEFT JOIN users u ON u.id = m.recorded_by WHERE m.family_id = $1 ORDER BY m.seq DESC",
    )
    .bind(family.0)
    .fetch_all(db)
    .await?);
    Ok(rows
        .into_iter()
        .map(
            |(moved_on, from_line, from_pc, from_locality, to_line, to_pc, to_locality, by, recorded_at)| FamilyMove {
                moved_on,
                from_address: format!("{from_line}, {from_pc}"),
                from_locality,
                to_address: format!("{to_line}, {to_pc}"),
                to_locality,
                recorded_by: by.unwrap_or_else(|| "earlyhelp (automatic)".to_owned()),
                recorded_at,
            },
        )
        .collect())
}
