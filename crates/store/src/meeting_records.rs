//! What is recorded at a meeting: the confidentiality declarations signed before its closed
//! part, attendance, the panel's decision on each case and the actions agreed.
//!
//! A decision moves the case's referral on through the domain's state machine in the same
//! transaction: an escalation goes to MASH (its 24-hour clock starts and MASH is told), a review
//! puts the case on the later meeting's agenda, anything else closes the referral to the panel;
//! an assessment's named lead professional starts working with the family.

use crate::audit::AuditEntry;
use crate::meetings::{AgendaCase, AgendaItemId, MeetingWriteError};
use crate::referrals::{Notice, state_json};
use crate::{Store, StoreError};
use domain::decision::{ActionStatus, AgreedAction, Attendance, Decision, Outcome};
use domain::meeting::{AgendaSection, DeadlineRules};
use domain::referral::ReferralEvent;
use domain::{FamilyId, MeetingId, OrganisationId, ReferralId, UserId};
use policy::{Permit, RecordAttendance, RecordDecision, SignDeclaration, ViewClosedSession, ViewMeeting};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The statement every attendee signs before the closed part. Fixed text: what was signed is
/// stored with the signature, so a later change of words does not rewrite what people agreed.
pub const DECLARATION: &str = "I will keep confidential everything said about families in the closed part of this meeting. \
    I will use it only to help the families discussed, share it only as the Information Sharing Agreement allows, and \
    declare any personal or professional interest in a family before it is discussed.";

/// One member organisation's attendance at a meeting.
#[derive(Debug, Clone)]
pub struct AttendanceRow {
    /// The organisation.
    pub organisation_id: OrganisationId,
    /// Its name.
    pub organisation_name: String,
    /// Whether it is a core member.
    pub core: bool,
    /// What was recorded, if anything yet.
    pub status: Option<Attendance>,
    /// Who came (the representative or their deputy).
    pub attendee: Option<String>,
}

/// A decision as the closed part and the notes show it.
#[derive(Debug, Clone)]
pub struct DecisionRecord {
    /// The agenda item it decided.
    pub item: AgendaItemId,
    /// What was decided.
    pub outcome: Outcome,
    /// Why.
    pub reasons: String,
    /// The lead or supporting organisation.
    pub lead_organisation: Option<String>,
    /// The lead professional.
    pub lead_professional: Option<String>,
    /// First TAF meeting.
    pub first_taf_by: Option<Date>,
    /// The universal-plus service.
    pub service: Option<String>,
    /// The review meeting's date.
    pub review_on: Option<Date>,
    /// Who recorded it, when.
    pub decided: (String, OffsetDateTime),
}

/// An action agreed at a meeting.
#[derive(Debug, Clone)]
pub struct ActionRecord {
    /// Its id.
    pub id: Uuid,
    /// The agenda item it came from.
    pub item: Option<AgendaItemId>,
    /// What.
    pub description: String,
    /// Who, and their organisation.
    pub owner: String,
    /// Their organisation.
    pub organisation: String,
    /// By when.
    pub due_on: Date,
    /// Where it stands.
    pub status: ActionStatus,
}

/// The closed part of a meeting as one reader may see it.
#[derive(Debug, Clone)]
pub struct ClosedSession {
    /// The cases, each with the facts the page asks the policy about.
    pub cases: Vec<AgendaCase>,
    /// Decisions recorded so far.
    pub decisions: Vec<DecisionRecord>,
    /// Actions agreed so far.
    pub actions: Vec<ActionRecord>,
    /// The panel's deadline rules (a step-up's clock is shown beside its decision).
    pub rules: DeadlineRules,
}

/// Someone who can own an action: active staff of a member organisation of the panel that is a
/// current signatory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PossibleOwner {
    /// The account.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Their organisation.
    pub organisation_id: OrganisationId,
    /// Its name.
    pub organisation: String,
}

type DecisionRow = (
    Uuid,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<Date>,
    Option<String>,
    Option<Date>,
    String,
    String,
    OffsetDateTime,
);
type ActionRow = (Uuid, Option<Uuid>, String, String, String, String, Date, String);

impl Store {
    /// Signs the meeting's confidentiality declaration for the permit's holder (once; signing
    /// again changes nothing).
    pub async fn sign_declaration(&self, permit: &Permit<SignDeclaration>, address: &str) -> Result<(), StoreError> {
        let who = permit.principal().user;
        let meeting = permit.meeting();
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query(
                "INSERT INTO declarations (meeting_id, user_id, statement, signed_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (meeting_id, user_id) DO NOTHING",
            )
            .bind(meeting.0)
            .bind(who.0)
            .bind(DECLARATION)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            audit_append!(tx, self, AuditEntry::new(Some(who), "meeting.declaration", "meeting", Some(meeting.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// When the asker signed the meeting's declaration, if they have.
    pub async fn declaration_signed(&self, permit: &Permit<ViewMeeting>) -> Result<Option<OffsetDateTime>, StoreError> {
        let row: Option<(OffsetDateTime,)> = read!(self, db => sqlx::query_as(
            "SELECT signed_at FROM declarations WHERE meeting_id = $1 AND user_id = $2",
        )
        .bind(permit.meeting().0)
        .bind(permit.principal().user.0)
        .fetch_optional(db)
        .await?);
        Ok(row.map(|(at,)| at))
    }

    /// Each member organisation of the meeting's panel and what was recorded of its attendance.
    pub async fn attendance(&self, permit: &Permit<ViewMeeting>) -> Result<Vec<AttendanceRow>, StoreError> {
        self.attendance_of(permit.meeting()).await
    }

    /// A meeting's attendance, for the callers that hold another permit naming the meeting.
    pub(crate) async fn attendance_of(&self, meeting: MeetingId) -> Result<Vec<AttendanceRow>, StoreError> {
        type Row = (Uuid, String, i64, Option<String>, Option<String>);
        let rows: Vec<Row> = read!(self, db => sqlx::query_as(
            "SELECT o.id, o.name, CAST(MIN(CASE pm.membership WHEN 'core' THEN 0 ELSE 1 END) AS BIGINT), a.status, a.attendee \
             FROM meetings m JOIN panel_members pm ON pm.panel_id = m.panel_id JOIN organisations o ON o.id = pm.organisation_id \
             LEFT JOIN attendance a ON a.meeting_id = m.id AND a.organisation_id = o.id \
             WHERE m.id = $1 GROUP BY o.id, o.name, a.status, a.attendee ORDER BY 3, o.name",
        )
        .bind(meeting.0)
        .fetch_all(db)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(id, name, core, status, attendee)| AttendanceRow {
                organisation_id: OrganisationId(id),
                organisation_name: name,
                core: core == 0,
                status: status.as_deref().and_then(Attendance::from_code),
                attendee,
            })
            .collect())
    }

    /// Records attendance for the organisations given (others are left as they were). An
    /// organisation that is not a member of the panel is refused.
    pub async fn record_attendance(
        &self,
        permit: &Permit<RecordAttendance>,
        rows: &[(OrganisationId, Attendance, Option<String>)],
        address: &str,
    ) -> Result<(), MeetingWriteError> {
        let meeting = permit.meeting();
        let members: Vec<(Uuid,)> = read!(self, db => sqlx::query_as(
            "SELECT DISTINCT pm.organisation_id FROM panel_members pm JOIN meetings m ON m.panel_id = pm.panel_id WHERE m.id = $1",
        )
        .bind(meeting.0)
        .fetch_all(db)
        .await?);
        if rows.iter().any(|(o, _, _)| !members.iter().any(|(m,)| *m == o.0)) {
            return Err(StoreError::NotFound("panel member").into());
        }
        let who = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            for (org, status, attendee) in rows {
                sqlx::query("DELETE FROM attendance WHERE meeting_id = $1 AND organisation_id = $2")
                    .bind(meeting.0)
                    .bind(org.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO attendance (meeting_id, organisation_id, status, attendee, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(meeting.0)
                .bind(org.0)
                .bind(status.code())
                .bind(attendee.as_deref())
                .bind(who.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            audit_append!(tx, self, AuditEntry::new(Some(who), "meeting.attendance", "meeting", Some(meeting.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// The closed part of a meeting: its cases, the decisions and the actions so far. The read is
    /// audited; the page shows each case only if the policy lets the reader see its family.
    pub async fn closed_session(&self, permit: &Permit<ViewClosedSession>, address: &str) -> Result<ClosedSession, StoreError> {
        let meeting = permit.meeting();
        let who = permit.principal();
        let cases = self.cases_in_the_room(meeting, who).await?;
        let (decisions, actions) = self.decisions_and_actions(meeting).await?;
        let rules = self.rules_of(meeting).await?;
        self.audit_read(
            AuditEntry::new(Some(who.user), "closed_session.view", "meeting", Some(meeting.to_string()))
                .from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(ClosedSession {
            cases,
            decisions,
            actions,
            rules,
        })
    }

    /// Every decision and action recorded at a meeting; not audited (the callers audit the read
    /// they make, and show only the families the reader may see).
    pub(crate) async fn decisions_and_actions(&self, meeting: MeetingId) -> Result<(Vec<DecisionRecord>, Vec<ActionRecord>), StoreError> {
        let (decisions, actions): (Vec<DecisionRow>, Vec<ActionRow>) = read!(self, db => {
            let decisions = sqlx::query_as(
                "SELECT d.agenda_item_id, d.outcome, d.reasons, lo.name, lp.given_name || ' ' || lp.family_name, d.first_taf_by, \
                 d.service, rm.meeting_date, u.given_name, u.family_name, d.decided_at \
                 FROM decisions d JOIN users u ON u.id = d.decided_by LEFT JOIN organisations lo ON lo.id = d.lead_organisation_id \
                 LEFT JOIN users lp ON lp.id = d.lead_professional_id LEFT JOIN meetings rm ON rm.id = d.review_meeting_id \
                 WHERE d.meeting_id = $1",
            )
            .bind(meeting.0)
            .fetch_all(db)
            .await?;
            let actions = sqlx::query_as(
                "SELECT a.id, a.agenda_item_id, a.description, u.given_name, u.family_name, o.name, a.due_on, a.status \
                 FROM actions a JOIN users u ON u.id = a.owner_user_id JOIN organisations o ON o.id = a.organisation_id \
                 WHERE a.meeting_id = $1 ORDER BY a.created_at, a.id",
            )
            .bind(meeting.0)
            .fetch_all(db)
            .await?;
            (decisions, actions)
        });
        let decisions = decisions
            .into_iter()
            .filter_map(|(item, outcome, reasons, lead_org, lead_prof, taf, service, review, g, f, at)| {
                Outcome::from_code(&outcome).map(|outcome| DecisionRecord {
                    item: AgendaItemId(item),
                    outcome,
                    reasons,
                    lead_organisation: lead_org,
                    lead_professional: lead_prof,
                    first_taf_by: taf,
                    service,
                    review_on: review,
                    decided: (format!("{g} {f}"), at),
                })
            })
            .collect();
        let actions = actions
            .into_iter()
            .filter_map(|(id, item, description, g, f, org, due_on, status)| {
                ActionStatus::from_code(&status).map(|status| ActionRecord {
                    id,
                    item: item.map(AgendaItemId),
                    description,
                    owner: format!("{g} {f}"),
                    organisation: org,
                    due_on,
                    status,
                })
            })
            .collect();
        Ok((decisions, actions))
    }

    /// Who may own an action on a case of this meeting: active staff of the panel's member
    /// organisations that are current signatories and that the family does not exclude.
    pub async fn possible_owners(&self, meeting: MeetingId, family: Option<FamilyId>) -> Result<Vec<PossibleOwner>, StoreError> {
        let rows: Vec<(Uuid, String, String, Uuid, String)> = read!(self, db => sqlx::query_as(
            "SELECT DISTINCT u.id, u.given_name, u.family_name, o.id, o.name FROM users u JOIN organisations o ON o.id = u.organisation_id \
             JOIN panel_members pm ON pm.organisation_id = o.id JOIN meetings m ON m.panel_id = pm.panel_id \
             WHERE m.id = $1 AND u.active AND o.isa_state = 'signed' AND (o.isa_review_due IS NULL OR o.isa_review_due >= $2) \
             AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = $3 AND x.organisation_id = o.id) \
             AND NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN ('administrator', 'information_governance')) \
             ORDER BY o.name, u.family_name, u.given_name",
        )
        .bind(meeting.0)
        .bind(self.clock.today())
        .bind(family.map(|f| f.0))
        .fetch_all(db)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(id, g, f, org, org_name)| PossibleOwner {
                id: UserId(id),
                name: format!("{g} {f}"),
                organisation_id: OrganisationId(org),
                organisation: org_name,
            })
            .collect())
    }

    /// The later meetings of this meeting's panel that can still take a case: where a review
    /// can be set.
    pub async fn review_meetings(&self, meeting: MeetingId) -> Result<Vec<(MeetingId, Date)>, StoreError> {
        let rows: Vec<(Uuid, Date)> = read!(self, db => sqlx::query_as(
            "SELECT m2.id, m2.meeting_date FROM meetings m JOIN meetings m2 ON m2.panel_id = m.panel_id \
             WHERE m.id = $1 AND m2.meeting_date > m.meeting_date AND m2.status = 'planned' AND m2.circulate_by >= $2 \
             ORDER BY m2.meeting_date LIMIT 12",
        )
        .bind(meeting.0)
        .bind(self.clock.today())
        .fetch_all(db)
        .await?);
        Ok(rows.into_iter().map(|(m, d)| (MeetingId(m), d)).collect())
    }

    /// Records the panel's decision on one case of the meeting, and what it means for the case:
    /// see the module's note. A case is decided once.
    pub async fn record_decision(
        &self,
        permit: &Permit<RecordDecision>,
        item: AgendaItemId,
        decision: &Decision,
        address: &str,
    ) -> Result<(), MeetingWriteError> {
        let meeting = permit.meeting();
        let who = permit.principal().user;
        let row: Option<(Uuid, Option<Uuid>, Option<Uuid>)> = read!(self, db => sqlx::query_as(
            "SELECT ai.family_id, ai.referral_id, d.id FROM agenda_items ai LEFT JOIN decisions d ON d.agenda_item_id = ai.id \
             WHERE ai.id = $1 AND ai.meeting_id = $2 AND ai.family_id IS NOT NULL AND ai.removed_at IS NULL",
        )
        .bind(item.0)
        .bind(meeting.0)
        .fetch_optional(db)
        .await?);
        let Some((family, referral, already)) = row else {
            return Err(StoreError::NotFound("agenda item").into());
        };
        if already.is_some() {
            return Err(MeetingWriteError::Input {
                field: "outcome",
                message: "The panel’s decision on this case is already recorded".into(),
            });
        }
        if let Some(review) = decision.review_at
            && !self.review_meetings(meeting).await?.iter().any(|(m, _)| *m == review)
        {
            return Err(MeetingWriteError::Input {
                field: "review_at",
                message: "Select one of the panel’s later meetings whose list has not yet gone out".into(),
            });
        }
        if let Some(lead) = decision.lead_professional {
            let owners = self.possible_owners(meeting, Some(FamilyId(family))).await?;
            if !owners
                .iter()
                .any(|o| o.id == lead && Some(o.organisation_id) == decision.lead_organisation)
            {
                return Err(MeetingWriteError::Input {
                    field: "lead_professional",
                    message: "Select a lead professional from the lead agency".into(),
                });
            }
        }
        // The referral's next step, through the state machine.
        let step = match (referral, decision.outcome) {
            (Some(r), outcome) if outcome != Outcome::ReviewLater => {
                let (current, version, _, next_seq) = self.load_referral(ReferralId(r)).await?.ok_or(StoreError::NotFound("referral"))?;
                let event = if outcome == Outcome::EscalateToMash {
                    ReferralEvent::Escalate
                } else {
                    ReferralEvent::Close
                };
                let now = self.now();
                match current.apply(event, now, who) {
                    Ok((next, entry)) => Some((r, version, next_seq, next, entry)),
                    Err(refused) => {
                        return Err(MeetingWriteError::Input {
                            field: "outcome",
                            message: refused.to_string(),
                        });
                    }
                }
            }
            _ => None,
        };
        let now = self.now();
        let today = self.clock.today();
        // MASH responds within the panel's step-up hours of the decision (seed 004: 24).
        let step_up_due = self.rules_of(meeting).await?.step_up_due(now);
        let review_date = match decision.review_at {
            Some(m) => self
                .review_meetings(meeting)
                .await?
                .into_iter()
                .find(|(id, _)| *id == m)
                .map(|(_, d)| d),
            None => None,
        };
        let decision_id = Uuid::now_v7();
        write!(self, tx, kind => {
            sqlx::query(
                "INSERT INTO decisions (id, meeting_id, agenda_item_id, family_id, referral_id, outcome, reasons, lead_organisation_id, \
                 lead_professional_id, first_taf_by, service, review_meeting_id, decided_by, decided_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(decision_id)
            .bind(meeting.0)
            .bind(item.0)
            .bind(family)
            .bind(referral)
            .bind(decision.outcome.code())
            .bind(&decision.reasons)
            .bind(decision.lead_organisation.map(|o| o.0))
            .bind(decision.lead_professional.map(|u| u.0))
            .bind(decision.first_taf_by)
            .bind(decision.service.as_deref())
            .bind(decision.review_at.map(|m| m.0))
            .bind(who.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if let Some((r, version, next_seq, next, entry)) = &step {
                let escalated = decision.outcome == Outcome::EscalateToMash;
                let n = sqlx::query(
                    "UPDATE referrals SET status = $1, state = $2, urgent = $3, closed_on = $4, \
                     escalated_at = CASE WHEN $5 THEN $6 ELSE escalated_at END, mash_due_at = CASE WHEN $5 THEN $9 ELSE mash_due_at END, \
                     version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8",
                )
                .bind(next.state().code())
                .bind(state_json(next.state())?)
                .bind(next.is_urgent())
                .bind(if escalated { None } else { Some(today) })
                .bind(escalated)
                .bind(now)
                .bind(r)
                .bind(version)
                .bind(step_up_due)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(MeetingWriteError::Stale);
                }
                insert_history!(tx, entry, *next_seq);
                if escalated {
                    enqueue_notices!(tx, self, ReferralId(*r), Some(Notice::UrgentConcern), who);
                }
            }
            if let (Some(review), Some(review_date)) = (decision.review_at, review_date) {
                sqlx::query(
                    "INSERT INTO agenda_items (id, meeting_id, section, position, family_id, referral_id, minutes, late, added_by, added_at) \
                     VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM agenda_items WHERE meeting_id = $2 AND section = $3), \
                     $4, $5, $6, FALSE, $7, $8)",
                )
                .bind(Uuid::now_v7())
                .bind(review.0)
                .bind(AgendaSection::PlanReviews.code())
                .bind(family)
                .bind(referral)
                .bind(i64::from(AgendaSection::PlanReviews.default_minutes()))
                .bind(who.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if let Some(r) = referral {
                    sqlx::query("UPDATE referrals SET meeting_id = $1, meeting_date = $2 WHERE id = $3")
                        .bind(review.0)
                        .bind(review_date)
                        .bind(r)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            if let Some(lead) = decision.lead_professional {
                // The lead professional works with the family from today; one lead at a time.
                sqlx::query("UPDATE family_workers SET until = $1 WHERE family_id = $2 AND role = 'lead_professional' AND until IS NULL AND user_id <> $3")
                    .bind(today)
                    .bind(family)
                    .bind(lead.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO family_workers (family_id, user_id, role, since) SELECT $1, $2, 'lead_professional', $3 \
                     WHERE NOT EXISTS (SELECT 1 FROM family_workers WHERE family_id = $1 AND user_id = $2 AND until IS NULL)",
                )
                .bind(family)
                .bind(lead.0)
                .bind(today)
                .execute(&mut *tx)
                .await?;
            }
            if let (Outcome::InitiateAssessment, Some(first_taf_on)) = (decision.outcome, decision.first_taf_by) {
                open_plan!(tx, self, who, family, decision_id, decision, first_taf_on, address);
            }
            // The person who referred hears what the panel decided (feedback to referrers).
            if let Some(r) = referral {
                enqueue_notices!(tx, self, ReferralId(r), Some(Notice::Decided), who);
            }
            live_moved!(tx, meeting);
            audit_append!(tx, self, AuditEntry::new(Some(who), "meeting.decision", "agenda_item", Some(item.to_string()))
                .from_address(Some(address.to_owned())));
        });
        if decision.outcome == Outcome::EscalateToMash {
            tracing::warn!(meeting = %meeting, "a panel escalated a case to MASH");
        }
        Ok(())
    }

    /// Records an action agreed on one case of the meeting. Its owner must be someone who may
    /// own it ([`Store::possible_owners`]); their organisation is recorded with it.
    pub async fn add_action(
        &self,
        permit: &Permit<RecordDecision>,
        item: AgendaItemId,
        action: &AgreedAction,
        address: &str,
    ) -> Result<(), MeetingWriteError> {
        let meeting = permit.meeting();
        let who = permit.principal().user;
        let family: Option<(Uuid,)> = read!(self, db => sqlx::query_as(
            "SELECT family_id FROM agenda_items WHERE id = $1 AND meeting_id = $2 AND family_id IS NOT NULL AND removed_at IS NULL",
        )
        .bind(item.0)
        .bind(meeting.0)
        .fetch_optional(db)
        .await?);
        let Some((family,)) = family else {
            return Err(StoreError::NotFound("agenda item").into());
        };
        let owner = self
            .possible_owners(meeting, Some(FamilyId(family)))
            .await?
            .into_iter()
            .find(|o| o.id == action.owner)
            .ok_or_else(|| MeetingWriteError::Input {
                field: "action_owner",
                message: "Select someone from a member organisation the family’s consent allows".into(),
            })?;
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query(
                "INSERT INTO actions (id, meeting_id, agenda_item_id, family_id, description, owner_user_id, organisation_id, due_on, status, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10)",
            )
            .bind(Uuid::now_v7())
            .bind(meeting.0)
            .bind(item.0)
            .bind(family)
            .bind(&action.description)
            .bind(action.owner.0)
            .bind(owner.organisation_id.0)
            .bind(action.due_on)
            .bind(who.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            live_moved!(tx, meeting);
            audit_append!(tx, self, AuditEntry::new(Some(who), "meeting.action", "agenda_item", Some(item.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }
}
