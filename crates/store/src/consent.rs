//! Consent records: recorded and withdrawn through the domain's rules, with the family's
//! standing (its exclusions above all) brought up to date in the same transaction, so no
//! list, page or API call can see a family under consent it no longer has.

use crate::audit::AuditEntry;
use crate::{Store, StoreError};
use domain::consent::{
    ConsentError, ConsentGiver, ConsentMethod, ConsentRecord, ConsentScope, ConsentStanding, ConsentSubject, NewConsent, Withdrawal,
};
use domain::{ConsentId, FamilyId, OrganisationId, PersonId, UserId};
use policy::{Permit, RecordConsent};
use std::collections::BTreeSet;
use time::Date;
use uuid::Uuid;

/// Why consent could not be recorded or withdrawn.
#[derive(Debug, thiserror::Error)]
pub enum ConsentWriteError {
    /// The domain's rules refused it; the message says what to fix.
    #[error(transparent)]
    Rules(#[from] ConsentError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ConsentWriteError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

type ConsentRow = (
    Uuid,
    Option<Uuid>,
    Date,
    String,
    Option<Uuid>,
    String,
    Date,
    Option<Date>,
    Option<Uuid>,
    Option<String>,
);

const CONSENT_SELECT: &str = "SELECT id, given_by_person_id, given_on, method, recorded_by, scopes, review_due, withdrawn_on, \
     withdrawal_recorded_by, withdrawal_reason FROM consents WHERE family_id = $1";

/// Rebuilds the domain's records from stored rows and their exclusion lists.
fn restore(family: FamilyId, rows: Vec<ConsentRow>, exclusions: &[(Uuid, Uuid, bool)]) -> Result<Vec<ConsentRecord>, StoreError> {
    rows.into_iter()
        .map(
            |(id, giver, given_on, method, recorded_by, scopes, review_due, withdrawn_on, withdrawn_by, reason)| {
                let corrupt = |what: &str| StoreError::Corrupt(format!("consent {id}: {what}"));
                let scopes = scopes
                    .split_whitespace()
                    .map(|s| s.parse::<ConsentScope>().map_err(|_| corrupt("scope")))
                    .collect::<Result<BTreeSet<_>, _>>()?;
                let of = |readmitted: bool| {
                    exclusions
                        .iter()
                        .filter(|(c, _, r)| *c == id && *r == readmitted)
                        .map(|(_, o, _)| OrganisationId(*o))
                        .collect::<BTreeSet<_>>()
                };
                let new = NewConsent {
                    family,
                    given_by: giver.map_or(ConsentGiver::Family, |p| ConsentGiver::Person(PersonId(p))),
                    given_for: ConsentSubject::WholeFamily,
                    given_on,
                    method: method.parse::<ConsentMethod>().map_err(|_| corrupt("method"))?,
                    recorded_by: recorded_by.map_or(UserId(Uuid::nil()), UserId),
                    scopes,
                    excluded_organisations: of(false),
                    readmitted_organisations: of(true),
                    review_due,
                };
                let withdrawal = withdrawn_on.map(|on| Withdrawal {
                    on,
                    recorded_by: withdrawn_by.map_or(UserId(Uuid::nil()), UserId),
                    reason: reason.unwrap_or_default(),
                });
                ConsentRecord::restore(ConsentId(id), new, withdrawal).map_err(|e| corrupt(&e.to_string()))
            },
        )
        .collect()
}

/// Rewrites a family's current exclusions from its consent records, inside the caller's
/// transaction, and returns the standing.
macro_rules! refresh_standing {
    ($tx:ident, $family:expr, $today:expr) => {{
        let family: FamilyId = $family;
        let rows: Vec<ConsentRow> = sqlx::query_as(CONSENT_SELECT).bind(family.0).fetch_all(&mut *$tx).await?;
        let exclusions: Vec<(Uuid, Uuid, bool)> = sqlx::query_as(
            "SELECT ce.consent_id, ce.organisation_id, ce.readmitted FROM consent_exclusions ce \
             JOIN consents c ON c.id = ce.consent_id WHERE c.family_id = $1",
        )
        .bind(family.0)
        .fetch_all(&mut *$tx)
        .await?;
        let records = restore(family, rows, &exclusions)?;
        let standing = ConsentStanding::of(&records, $today);
        sqlx::query("DELETE FROM family_exclusions WHERE family_id = $1")
            .bind(family.0)
            .execute(&mut *$tx)
            .await?;
        for org in &standing.excluded_organisations {
            sqlx::query("INSERT INTO family_exclusions (family_id, organisation_id) VALUES ($1, $2)")
                .bind(family.0)
                .bind(org.0)
                .execute(&mut *$tx)
                .await?;
        }
        standing
    }};
}

impl Store {
    /// A family's consent standing today, from its records.
    pub async fn consent_standing(&self, family: FamilyId) -> Result<ConsentStanding, StoreError> {
        let (rows, exclusions): (Vec<ConsentRow>, Vec<(Uuid, Uuid, bool)>) = read!(self, db => {
            let rows = sqlx::query_as(CONSENT_SELECT).bind(family.0).fetch_all(db).await?;
            let exclusions = sqlx::query_as(
                "SELECT ce.consent_id, ce.organisation_id, ce.readmitted FROM consent_exclusions ce \
                 JOIN consents c ON c.id = ce.consent_id WHERE c.family_id = $1",
            )
            .bind(family.0)
            .fetch_all(db)
            .await?;
            (rows, exclusions)
        });
        let records = restore(family, rows, &exclusions)?;
        Ok(ConsentStanding::of(&records, self.clock.today()))
    }

    /// Records consent as the family gave it. Its exclusions apply from the moment this
    /// returns: every list, page and API call filters by the family's current exclusions.
    pub async fn record_consent(
        &self,
        permit: &Permit<RecordConsent>,
        new: NewConsent,
        given_by: &str,
        address: &str,
    ) -> Result<ConsentId, ConsentWriteError> {
        if new.family != permit.family() {
            return Err(StoreError::Corrupt("a consent permit names another family".into()).into());
        }
        let actor = permit.principal().user;
        let today = self.clock.today();
        let record = ConsentRecord::record(NewConsent { recorded_by: actor, ..new }, today)?;
        let scopes: Vec<String> = record.scopes().iter().map(ConsentScope::code).collect();
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query(
                "INSERT INTO consents (id, family_id, given_by, given_by_person_id, given_on, method, scopes, review_due, \
                 recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(record.id().0)
            .bind(record.family().0)
            .bind(given_by)
            .bind(match record.given_by() {
                ConsentGiver::Person(p) => Some(p.0),
                ConsentGiver::Family => None,
            })
            .bind(record.given_on())
            .bind(record.method().code())
            .bind(scopes.join(" "))
            .bind(record.review_due())
            .bind(actor.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            for (orgs, readmitted) in [(record.excluded_organisations(), false), (record.readmitted_organisations(), true)] {
                for org in orgs {
                    sqlx::query("INSERT INTO consent_exclusions (consent_id, organisation_id, readmitted) VALUES ($1, $2, $3)")
                        .bind(record.id().0)
                        .bind(org.0)
                        .bind(readmitted)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            refresh_standing!(tx, record.family(), today);
            audit_append!(tx, self, AuditEntry::new(Some(actor), "consent.record", "family", Some(record.family().to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(record.id())
    }

    /// Records that the family withdrew consent. The record stays; sharing stops at once: the
    /// case leaves its panel (with its invitations) and professionals of other organisations
    /// than the one recording the withdrawal stop working with the family, so only that
    /// organisation still sees it, and the retention clock starts.
    pub async fn withdraw_consent(
        &self,
        permit: &Permit<RecordConsent>,
        consent: ConsentId,
        on: Date,
        reason: &str,
        address: &str,
    ) -> Result<(), ConsentWriteError> {
        let family = permit.family();
        let actor = permit.principal().user;
        let organisation = permit.principal().organisation;
        let today = self.clock.today();
        let (rows, exclusions): (Vec<ConsentRow>, Vec<(Uuid, Uuid, bool)>) = read!(self, db => {
            let rows = sqlx::query_as(&format!("{CONSENT_SELECT} AND id = $2")).bind(family.0).bind(consent.0).fetch_all(db).await?;
            let exclusions = sqlx::query_as("SELECT consent_id, organisation_id, readmitted FROM consent_exclusions WHERE consent_id = $1")
                .bind(consent.0)
                .fetch_all(db)
                .await?;
            (rows, exclusions)
        });
        let record = restore(family, rows, &exclusions)?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound("consent record"))?;
        let withdrawn = record.withdraw(on, actor, reason, today)?;
        let Some(w) = withdrawn.withdrawal() else {
            return Err(StoreError::Corrupt("a withdrawal that records nothing".into()).into());
        };
        let ended = self.referrals_ended_by_withdrawal(family, actor).await?;
        write!(self, tx, kind => {
            let n = sqlx::query(
                "UPDATE consents SET withdrawn_on = $1, withdrawal_recorded_by = $2, withdrawal_reason = $3, version = version + 1 \
                 WHERE id = $4 AND withdrawn_on IS NULL",
            )
            .bind(w.on)
            .bind(actor.0)
            .bind(&w.reason)
            .bind(consent.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::StaleVersion("consent record").into());
            }
            let standing = refresh_standing!(tx, family, today);
            if standing.withdrawn_on.is_some() {
                sqlx::query("UPDATE family_panels SET until = $1 WHERE family_id = $2 AND until IS NULL")
                    .bind(w.on)
                    .bind(family.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM case_invitations WHERE family_id = $1").bind(family.0).execute(&mut *tx).await?;
                // Off every agenda of a meeting still to come: no further sharing, not even a
                // copy of a list already circulated (copies are read through the agenda item).
                sqlx::query(
                    "UPDATE agenda_items SET removed_at = $1, removed_by = $2 WHERE family_id = $3 AND removed_at IS NULL \
                     AND meeting_id IN (SELECT id FROM meetings WHERE meeting_date >= $4)",
                )
                .bind(self.now())
                .bind(actor.0)
                .bind(family.0)
                .bind(today)
                .execute(&mut *tx)
                .await?;
                // Routine referrals end with the consent they rested on (urgent ones stay with MASH).
                for r in &ended {
                    let n = sqlx::query(
                        "UPDATE referrals SET status = $1, state = $2, closed_on = $3, version = version + 1, updated_at = $4 \
                         WHERE id = $5 AND version = $6",
                    )
                    .bind(r.status)
                    .bind(&r.state)
                    .bind(r.closed_on)
                    .bind(r.at)
                    .bind(r.id)
                    .bind(r.version)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n == 0 {
                        return Err(StoreError::StaleVersion("referral").into());
                    }
                    sqlx::query(
                        "INSERT INTO referral_history (referral_id, seq, event, from_status, to_status, detail, at, by_user_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(r.id)
                    .bind(r.seq)
                    .bind(r.event)
                    .bind(r.from)
                    .bind(r.status)
                    .bind(&r.detail)
                    .bind(r.at)
                    .bind(r.by)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "UPDATE family_workers SET until = $1 WHERE family_id = $2 AND until IS NULL \
                     AND user_id IN (SELECT id FROM users WHERE organisation_id <> $3)",
                )
                .bind(w.on)
                .bind(family.0)
                .bind(organisation.0)
                .execute(&mut *tx)
                .await?;
            }
            audit_append!(tx, self, AuditEntry::new(Some(actor), "consent.withdraw", "family", Some(family.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }
}
