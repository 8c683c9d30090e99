//! The council's local closure days, which an administrator keeps, and the one thing that must
//! happen with every change to them: the circulation day of each planned meeting the change
//! affects is counted again, in the same transaction as the change and its audit entry, so the
//! worker never sends a list on a day computed with a calendar that no longer holds.
//!
//! Which meetings a closure day can move is the domain's rule (a closure on or after the
//! circulation day and before the meeting moves it one working day earlier; a property test in
//! `domain::meeting` shows nothing else moves), so only those rows are read.

use crate::audit::AuditEntry;
use crate::meetings::{RULE_COLUMNS, rules_from};
use crate::{Store, StoreError};
use domain::working_days::{Calendar, ClosureReason, ClosureRefused};
use policy::{ManageCalendar, Permit};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One local closure day as the calendar page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureDay {
    /// The day the council is closed.
    pub day: Date,
    /// Why, as the administrator typed it.
    pub reason: String,
    /// When it was added.
    pub added_at: OffsetDateTime,
}

/// Why a closure day could not be added or removed.
#[derive(Debug, thiserror::Error)]
pub enum CalendarWriteError {
    /// The day cannot be a closure day; the message says why.
    #[error(transparent)]
    Refused(#[from] ClosureRefused),
    /// There is no closure day on that date to remove.
    #[error("There is no closure day on that date")]
    NotClosed,
    /// A closure day that has passed explains deadlines already met, so it stays.
    #[error("A closure day that has passed stays on the calendar: deadlines were counted with it")]
    Passed,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CalendarWriteError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

/// What a change to the closure days did, for the page to say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retimed {
    /// How many planned meetings' lists now go to members on another day.
    pub meetings: usize,
}

/// Re-counts, inside the write transaction, the circulation day of every planned meeting a
/// change on `$day` can affect, with the closure days as they stand in the transaction, and
/// stores the ones that moved. Evaluates to how many moved.
macro_rules! retime_planned_meetings {
    ($tx:ident, $day:expr) => {{
        let day: Date = $day;
        let closures: Vec<(Date,)> = sqlx::query_as("SELECT day FROM closure_days").fetch_all(&mut *$tx).await?;
        let calendar = Calendar::england_and_wales().with_closures(closures.into_iter().map(|(d,)| d));
        type Row = (Uuid, Date, Date, i64, i64, i64, i64);
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT m.id, m.meeting_date, m.circulate_by, {RULE_COLUMNS} FROM meetings m JOIN panels p ON p.id = m.panel_id \
             WHERE m.status = 'planned' AND m.circulate_by <= $1 AND m.meeting_date > $1"
        ))
        .bind(day)
        .fetch_all(&mut *$tx)
        .await?;
        let mut moved = 0usize;
        for (id, date, stored, a, b, c, d) in rows {
            let Ok(now_due) = rules_from(a, b, c, d).circulate_by(&calendar, date) else {
                continue;
            };
            if now_due != stored {
                sqlx::query("UPDATE meetings SET circulate_by = $1 WHERE id = $2 AND status = 'planned'")
                    .bind(now_due)
                    .bind(id)
                    .execute(&mut *$tx)
                    .await?;
                moved += 1;
            }
        }
        moved
    }};
}

impl Store {
    /// Every local closure day, in date order. Not protected: the calendar explains every
    /// deadline, so anyone signed in may read it.
    pub async fn closure_days(&self) -> Result<Vec<ClosureDay>, StoreError> {
        let rows: Vec<(Date, String, OffsetDateTime)> = read!(self, db => sqlx::query_as(
            "SELECT day, reason, added_at FROM closure_days ORDER BY day"
        )
        .fetch_all(db)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(day, reason, added_at)| ClosureDay { day, reason, added_at })
            .collect())
    }

    /// Adds a local closure day: refused for a weekend, bank holiday, past day or a day already
    /// closed. Each planned meeting whose list was due on or before that day and which meets
    /// after it has its circulation day counted again, with the audit entry, in one transaction.
    pub async fn add_closure_day(
        &self,
        permit: &Permit<ManageCalendar>,
        day: Date,
        reason: &ClosureReason,
        address: &str,
    ) -> Result<Retimed, CalendarWriteError> {
        let today = self.clock.today();
        self.working_calendar().await?.check_new_closure(day, today)?;
        let who = permit.principal().user;
        let now = self.now();
        let meetings = write!(self, tx, kind => {
            let added = sqlx::query(
                "INSERT INTO closure_days (day, reason, added_by, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT (day) DO NOTHING",
            )
            .bind(day)
            .bind(reason.as_str())
            .bind(who.0)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added == 0 {
                // Another administrator added it since the check above.
                return Err(ClosureRefused::AlreadyClosed(format!("{} {}", day.weekday(), domain::clock::long_date(day))).into());
            }
            let moved = retime_planned_meetings!(tx, day);

            audit_append!(tx, self, AuditEntry::new(Some(who), "calendar.add_closure", "closure_day", Some(day.to_string()))
                .from_address(Some(address.to_owned()))
                .personal(format!("meetings_retimed={moved}")));
            moved
        });
        Ok(Retimed { meetings })
    }

    /// Removes a local closure day that has not yet passed; the planned meetings it had moved
    /// get their circulation day back, in the same transaction as the audit entry.
    pub async fn remove_closure_day(
        &self,
        permit: &Permit<ManageCalendar>,
        day: Date,
        address: &str,
    ) -> Result<Retimed, CalendarWriteError> {
        if day < self.clock.today() {
            return Err(CalendarWriteError::Passed);
        }
        let who = permit.principal().user;
        let meetings = write!(self, tx, kind => {
            let removed = sqlx::query("DELETE FROM closure_days WHERE day = $1")
                .bind(day)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if removed == 0 {
                return Err(CalendarWriteError::NotClosed);
            }
            let moved = retime_planned_meetings!(tx, day);
            audit_append!(tx, self, AuditEntry::new(Some(who), "calendar.remove_closure", "closure_day", Some(day.to_string()))
                .from_address(Some(address.to_owned()))
                .personal(format!("meetings_retimed={moved}")));
            moved
        });
        Ok(Retimed { meetings })
    }
}
