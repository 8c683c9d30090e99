//! The meeting in the room: the case the chair has opened, since when (its slot timer counts
//! from then), and a counter the attendees' pages poll so that an unchanged meeting costs one
//! small read and a "not modified".

use crate::audit::AuditEntry;
use crate::meetings::{AgendaCase, AgendaItemId, MeetingWriteError, input};
use crate::{Store, StoreError};
use domain::MeetingId;
use policy::{Permit, Principal, RecordDecision, ViewClosedSession};
use time::OffsetDateTime;
use uuid::Uuid;

/// Where a meeting stands in the room. `seq` moves on every change an attendee following the
/// meeting should see (a case opened, a decision or action recorded, a case made anonymous).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveState {
    /// The change counter.
    pub seq: i64,
    /// The case the chair has opened, and when.
    pub open: Option<(AgendaItemId, OffsetDateTime)>,
}

impl Store {
    /// The meeting's live state: one indexed row, no personal data (so not audited).
    pub async fn live_state(&self, permit: &Permit<ViewClosedSession>) -> Result<LiveState, StoreError> {
        self.live_state_of(permit.meeting()).await
    }

    async fn live_state_of(&self, meeting: MeetingId) -> Result<LiveState, StoreError> {
        let row: Option<(i64, Option<Uuid>, Option<OffsetDateTime>)> = read!(self, db => sqlx::query_as(
            "SELECT live_seq, live_item_id, live_started_at FROM meetings WHERE id = $1",
        )
        .bind(meeting.0)
        .fetch_optional(db)
        .await?);
        let (seq, item, started) = row.ok_or(StoreError::NotFound("meeting"))?;
        Ok(LiveState {
            seq,
            open: item.zip(started).map(|(i, at)| (AgendaItemId(i), at)),
        })
    }

    /// The chair opens a case of the agenda for discussion (its slot timer starts now) or, with
    /// `None`, closes the one open. Only on the day of the meeting, which must not be
    /// cancelled; the case must still be on the agenda.
    pub async fn open_case(
        &self,
        permit: &Permit<RecordDecision>,
        item: Option<AgendaItemId>,
        address: &str,
    ) -> Result<(), MeetingWriteError> {
        let meeting = permit.meeting();
        let (status, date) = self.meeting_state(meeting).await?;
        domain::meeting::check_live(status, date, self.clock.today())?;
        if let Some(item) = item {
            let found: Option<(Uuid,)> = read!(self, db => sqlx::query_as(
                "SELECT id FROM agenda_items WHERE id = $1 AND meeting_id = $2 AND family_id IS NOT NULL AND removed_at IS NULL",
            )
            .bind(item.0)
            .bind(meeting.0)
            .fetch_optional(db)
            .await?);
            if found.is_none() {
                return Err(input("item", "That case is no longer on this meeting’s agenda"));
            }
        }
        let who = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query("UPDATE meetings SET live_item_id = $1, live_started_at = $2, live_seq = live_seq + 1 WHERE id = $3")
                .bind(item.map(|i| i.0))
                .bind(item.map(|_| now))
                .bind(meeting.0)
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, self, AuditEntry::new(Some(who), if item.is_some() { "meeting.open_case" } else { "meeting.close_case" },
                "meeting", Some(meeting.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// The case open in the room as `who` may hear of it (without names when it is discussed
    /// anonymously), with the live state it was read at. The case is `None` when none is open
    /// or it has left the agenda; `Some(None)` when one is open that `shown` (the policy's
    /// answer for its family) keeps from the reader. A read that names a case is audited.
    pub async fn live_case(
        &self,
        permit: &Permit<ViewClosedSession>,
        shown: impl Fn(&policy::FamilyFacts) -> bool,
        address: &str,
    ) -> Result<(LiveState, Option<Option<AgendaCase>>), StoreError> {
        let meeting = permit.meeting();
        let state = self.live_state_of(meeting).await?;
        let Some((item, _)) = state.open else {
            return Ok((state, None));
        };
        let who: &Principal = permit.principal();
        let Some(case) = self.cases_on_filtered(meeting, who, Some(item)).await?.into_iter().next() else {
            return Ok((state, None));
        };
        if !shown(&case.facts) {
            return Ok((state, Some(None)));
        }
        self.audit_read(
            AuditEntry::new(Some(who.user), "live_case.view", "agenda_item", Some(item.to_string())).from_address(Some(address.to_owned())),
        )
        .await?;
        Ok((state, Some(Some(case.in_the_room()))))
    }
}
