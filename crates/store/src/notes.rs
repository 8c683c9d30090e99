//! After the meeting: the action notes generated from what was recorded, the record that
//! business support sent them to members, and the families-discussed report that replaces the
//! spreadsheet business support kept (seed 001 §6).
//!
//! Nothing here is written by hand: the notes and the report are read from the decisions,
//! actions, attendance and agenda the meeting recorded, so they cannot disagree with it. Which
//! families a reader gets is the policy's (`ViewFamily`, asked by the caller through the
//! `shown` filter); the store keeps the audit entry of the read and, when the notes or the
//! report leave the system (a PDF, a spreadsheet, an agency's system through the API), one
//! sharing-log entry per family in what left, in the same transaction.

use crate::audit::AuditEntry;
use crate::families::NewSharingEntry;
use crate::meeting_records::{ActionRecord, AttendanceRow, DecisionRecord};
use crate::meetings::{AgendaCase, MeetingRecord, MeetingWriteError};
use crate::{Store, StoreError};
use domain::decision::{ActionStatus, Outcome};
use domain::meeting::{MeetingStatus, ReportPeriod};
use domain::{FamilyId, MeetingId, PanelId, UserId};
use policy::{FamilyFacts, Permit, PrepareAgenda, Principal, ViewActionNotes, ViewFamiliesDiscussedReport};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// How a read of the notes or the report happens, which decides what is recorded of it.
#[derive(Debug, Clone)]
pub enum Read {
    /// Looked at on a page: audited; the information stays in earlyhelp.
    Page,
    /// Taken out of the system (a download, the API): audited, and each family in it is
    /// written to the sharing log with this entry.
    Export(NewSharingEntry),
}

impl Read {
    pub(crate) fn audit_action(&self, page: &'static str, export: &'static str) -> &'static str {
        match self {
            Read::Page => page,
            Read::Export(_) => export,
        }
    }
}

/// One case of the closed part as the notes record it.
#[derive(Debug, Clone)]
pub struct NotesCase {
    /// The case on the agenda: its family's facts, address and people.
    pub case: AgendaCase,
    /// What the panel decided, if it has.
    pub decision: Option<DecisionRecord>,
    /// The actions agreed on it.
    pub actions: Vec<ActionRecord>,
}

/// A meeting's action notes, as one reader may have them.
#[derive(Debug, Clone)]
pub struct ActionNotes {
    /// The meeting: date, venue, chairs, deadlines and the open part of its agenda.
    pub meeting: MeetingRecord,
    /// Each member organisation's attendance.
    pub attendance: Vec<AttendanceRow>,
    /// The cases discussed whose families the reader may see, in agenda order.
    pub cases: Vec<NotesCase>,
}

/// What the families-discussed report is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportQuery {
    /// The meeting dates it covers.
    pub period: ReportPeriod,
    /// One panel only, or every panel the reader runs or sits on.
    pub panel: Option<PanelId>,
}

/// One action as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportAction {
    /// What.
    pub description: String,
    /// Who.
    pub owner: String,
    /// Their organisation.
    pub organisation: String,
    /// By when.
    pub due_on: Date,
    /// Where it stands.
    pub status: ActionStatus,
}

/// One row of the families-discussed report: a family's case decided at a meeting.
#[derive(Debug, Clone)]
pub struct DiscussedRow {
    /// The family's facts, for the policy.
    pub facts: FamilyFacts,
    /// The meeting.
    pub meeting: MeetingId,
    /// Its date.
    pub date: Date,
    /// The panel.
    pub panel: String,
    /// The family's address and postcode: how business support's spreadsheet names a family (a
    /// case discussed anonymously goes by its name at the meeting instead).
    pub address: String,
    /// What was decided.
    pub outcome: Outcome,
    /// The lead or supporting organisation.
    pub lead_organisation: Option<String>,
    /// The lead professional.
    pub lead_professional: Option<String>,
    /// First Team Around the Family meeting.
    pub first_taf_by: Option<Date>,
    /// The actions agreed on the case.
    pub actions: Vec<ReportAction>,
}

/// `$1` user, `$2` organisation; `p` the panel: the panels the reader runs or sits on (the
/// same rule as the list of meetings).
const READERS_PANELS: &str = "(p.business_support_user_id = $1 \
     OR EXISTS (SELECT 1 FROM panel_chairs pc WHERE pc.panel_id = p.id AND pc.user_id = $1) \
     OR EXISTS (SELECT 1 FROM panel_members pm WHERE pm.panel_id = p.id AND pm.organisation_id = $2 \
                AND (pm.user_id = $1 OR pm.user_id IS NULL)))";

/// A report row as loaded: (item, family, meeting, date, panel, address, postcode, outcome,
/// lead organisation, lead professional, first TAF, anonymous name).
type ReportRow = (
    Uuid,
    Uuid,
    Uuid,
    Date,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<Date>,
    Option<String>,
);
/// An action as the report loads it: (item, description, owner's names, organisation, due, status).
type ReportActionRow = (Uuid, String, String, String, String, Date, String);

impl Store {
    /// A meeting's action notes, generated from what it recorded, with only the cases whose
    /// family `shown` accepts (the caller asks the policy). The read is audited; an export's
    /// families are each written to the sharing log, with the audit entry, in one transaction.
    pub async fn action_notes(
        &self,
        permit: &Permit<ViewActionNotes>,
        shown: impl Fn(&FamilyFacts) -> bool,
        read: &Read,
        address: &str,
    ) -> Result<ActionNotes, StoreError> {
        let meeting = permit.meeting();
        let who = permit.principal();
        let record = self.meeting_record(meeting).await?.ok_or(StoreError::NotFound("meeting"))?;
        let attendance = self.attendance_of(meeting).await?;
        let (decisions, actions) = self.decisions_and_actions(meeting).await?;
        let cases: Vec<NotesCase> = self
            .cases_in_the_room(meeting, who)
            .await?
            .into_iter()
            .filter(|c| shown(&c.facts))
            .map(|case| NotesCase {
                decision: decisions.iter().find(|d| d.item == case.id).cloned(),
                actions: actions.iter().filter(|a| a.item == Some(case.id)).cloned().collect(),
                case,
            })
            .collect();
        let families: Vec<FamilyId> = cases.iter().map(|c| c.case.facts.id).collect();
        self.record_read(
            who,
            AuditEntry::new(
                Some(who.user),
                read.audit_action("action_notes.view", "action_notes.export"),
                "meeting",
                Some(meeting.to_string()),
            )
            .from_address(Some(address.to_owned())),
            &families,
            read,
        )
        .await?;
        Ok(ActionNotes {
            meeting: record,
            attendance,
            cases,
        })
    }

    /// Records that business support sent the meeting's action notes to members, now. Once
    /// per meeting, and only once the meeting has taken place.
    pub async fn mark_notes_sent(&self, permit: &Permit<PrepareAgenda>, address: &str) -> Result<OffsetDateTime, MeetingWriteError> {
        let meeting = permit.meeting();
        let who = permit.principal().user;
        let (status, date) = self.meeting_state(meeting).await?;
        let refuse = |message: &str| MeetingWriteError::Input {
            field: "notes",
            message: message.to_owned(),
        };
        if status == MeetingStatus::Cancelled {
            return Err(refuse("The meeting was cancelled, so it has no action notes to send"));
        }
        if date > self.clock.today() {
            return Err(refuse(
                "The action notes can be marked as sent only after the meeting has taken place",
            ));
        }
        let now = self.now();
        write!(self, tx, kind => {
            let n = sqlx::query("UPDATE meetings SET notes_sent_at = $1, notes_sent_by = $2 WHERE id = $3 AND notes_sent_at IS NULL")
                .bind(now)
                .bind(who.0)
                .bind(meeting.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(refuse("The action notes are already marked as sent to members"));
            }
            audit_append!(tx, self, AuditEntry::new(Some(who), "meeting.notes_sent", "meeting", Some(meeting.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(now)
    }

    /// The meetings of the last four weeks whose action notes the asker, as the panel's business
    /// support, has still to send to members: held, not cancelled, not marked sent. Soonest
    /// deadline first; the home page confirms each with the policy and shows its deadline.
    pub async fn notes_to_send(&self, who: &Principal) -> Result<Vec<MeetingRecord>, StoreError> {
        let today = self.clock.today();
        let ids: Vec<(Uuid,)> = read!(self, db => sqlx::query_as(
            "SELECT m.id FROM meetings m JOIN panels p ON p.id = m.panel_id \
             WHERE p.business_support_user_id = $1 AND m.status <> 'cancelled' AND m.notes_sent_at IS NULL \
             AND m.meeting_date <= $2 AND m.meeting_date >= $3 ORDER BY m.meeting_date, m.id",
        )
        .bind(who.user.0)
        .bind(today)
        .bind(today - time::Duration::weeks(4))
        .fetch_all(db)
        .await?);
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            out.extend(self.meeting_record(MeetingId(id)).await?);
        }
        Ok(out)
    }

    /// The panels the families-discussed report can be narrowed to: those the reader runs or
    /// sits on, by name. Panel names are not personal data.
    pub async fn report_panels(&self, permit: &Permit<ViewFamiliesDiscussedReport>) -> Result<Vec<(PanelId, String)>, StoreError> {
        let who = permit.principal();
        let rows: Vec<(Uuid, String)> = read!(self, db => sqlx::query_as(&format!(
            "SELECT p.id, p.name FROM panels p WHERE {READERS_PANELS} ORDER BY p.name, p.id"
        ))
        .bind(who.user.0)
        .bind(who.organisation.0)
        .fetch_all(db)
        .await?);
        Ok(rows.into_iter().map(|(id, name)| (PanelId(id), name)).collect())
    }

    /// Every family discussed (a decision recorded) at the reader's panels in the period, with
    /// date, panel, decision, lead and actions, oldest first; only the rows whose family
    /// `shown` accepts. SQL narrows to the panels the reader runs or sits on; the policy
    /// confirms each family, as for every list. Audited; an export's families are each written
    /// to the sharing log in the same transaction as the audit entry.
    pub async fn families_discussed(
        &self,
        permit: &Permit<ViewFamiliesDiscussedReport>,
        query: &ReportQuery,
        shown: impl Fn(&FamilyFacts) -> bool,
        read: &Read,
        address: &str,
    ) -> Result<Vec<DiscussedRow>, StoreError> {
        let who = permit.principal();
        let filter = format!("m.meeting_date >= $3 AND m.meeting_date <= $4 AND ($5 IS NULL OR p.id = $5) AND {READERS_PANELS}");
        let panel = query.panel.map(|p| p.0);
        let (rows, actions): (Vec<ReportRow>, Vec<ReportActionRow>) = read!(self, db => {
            let rows = sqlx::query_as(&format!(
                "SELECT d.agenda_item_id, d.family_id, m.id, m.meeting_date, p.name, f.address_line, f.postcode, d.outcome, lo.name, \
                 lp.given_name || ' ' || lp.family_name, d.first_taf_by, ai.anonymous_label \
                 FROM decisions d JOIN meetings m ON m.id = d.meeting_id JOIN panels p ON p.id = m.panel_id \
                 JOIN families f ON f.id = d.family_id LEFT JOIN agenda_items ai ON ai.id = d.agenda_item_id \
                 LEFT JOIN organisations lo ON lo.id = d.lead_organisation_id \
                 LEFT JOIN users lp ON lp.id = d.lead_professional_id \
                 WHERE {filter} ORDER BY m.meeting_date, p.name, f.postcode, d.id"
            ))
            .bind(who.user.0)
            .bind(who.organisation.0)
            .bind(query.period.from())
            .bind(query.period.until())
            .bind(panel)
            .fetch_all(db)
            .await?;
            let actions = sqlx::query_as(&format!(
                "SELECT a.agenda_item_id, a.description, u.given_name, u.family_name, o.name, a.due_on, a.status \
                 FROM actions a JOIN meetings m ON m.id = a.meeting_id JOIN panels p ON p.id = m.panel_id \
                 JOIN users u ON u.id = a.owner_user_id JOIN organisations o ON o.id = a.organisation_id \
                 WHERE a.agenda_item_id IS NOT NULL AND {filter} ORDER BY a.created_at, a.id"
            ))
            .bind(who.user.0)
            .bind(who.organisation.0)
            .bind(query.period.from())
            .bind(query.period.until())
            .bind(panel)
            .fetch_all(db)
            .await?;
            (rows, actions)
        });
        let mut families: Vec<FamilyId> = rows.iter().map(|r| FamilyId(r.1)).collect();
        families.sort_unstable();
        families.dedup();
        let facts_of = self.families_facts(who, &families).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (item, family, meeting, date, panel, address_line, postcode, outcome, lead_org, lead_prof, taf, anonymous) in rows {
            let Some(outcome) = Outcome::from_code(&outcome) else {
                return Err(StoreError::Corrupt(format!("decision outcome {outcome}")));
            };
            let Some(facts) = facts_of.get(&FamilyId(family)).cloned() else {
                continue;
            };
            if !shown(&facts) {
                continue;
            }
            out.push(DiscussedRow {
                facts,
                meeting: MeetingId(meeting),
                date,
                panel,
                // A case discussed anonymously is named as the meeting named it.
                address: match anonymous {
                    Some(label) => format!("{label} (discussed anonymously)"),
                    None => format!("{address_line}, {postcode}"),
                },
                outcome,
                lead_organisation: lead_org,
                lead_professional: lead_prof,
                first_taf_by: taf,
                actions: actions
                    .iter()
                    .filter(|a| a.0 == item)
                    .filter_map(|(_, description, g, f, org, due_on, status)| {
                        ActionStatus::from_code(status).map(|status| ReportAction {
                            description: description.clone(),
                            owner: format!("{g} {f}"),
                            organisation: org.clone(),
                            due_on: *due_on,
                            status,
                        })
                    })
                    .collect(),
            });
        }
        let mut families: Vec<FamilyId> = out.iter().map(|r| r.facts.id).collect();
        families.sort_unstable();
        families.dedup();
        self.record_read(
            who,
            AuditEntry::new(
                Some(who.user),
                read.audit_action("families_discussed.view", "families_discussed.export"),
                "report",
                Some("families_discussed".to_owned()),
            )
            .from_address(Some(address.to_owned()))
            .personal(format!("rows={}", out.len())),
            &families,
            read,
        )
        .await?;
        Ok(out)
    }

    /// Writes the audit entry of a read, and for an export one sharing-log entry per family,
    /// in one transaction; a page read goes through the audit group commit.
    pub(crate) async fn record_read(
        &self,
        who: &Principal,
        entry: AuditEntry,
        families: &[FamilyId],
        read: &Read,
    ) -> Result<(), StoreError> {
        match read {
            Read::Page => self.audit_read(entry).await,
            Read::Export(sharing) => {
                let now = self.now();
                let actor: Option<UserId> = Some(who.user);
                write!(self, tx, kind => {
                    for family in families {
                        insert_sharing!(tx, now, Uuid::now_v7(), Some(*family), actor, sharing, None);
                    }
                    audit_append!(tx, self, entry);
                });
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_read_is_audited_as_a_view_and_an_export_as_an_export() {
        let export = Read::Export(NewSharingEntry {
            decision: crate::families::SharingDecision::Shared,
            data_categories: String::new(),
            recipient_organisation: None,
            recipient_user: None,
            recipient_description: String::new(),
            purpose: String::new(),
            lawful_basis: String::new(),
            method: "download".into(),
            decided_on: time::macros::date!(2026 - 12 - 01),
        });
        assert_eq!(Read::Page.audit_action("a.view", "a.export"), "a.view");
        assert_eq!(export.audit_action("a.view", "a.export"), "a.export");
    }
}
