//! Actions agreed at panel meetings, followed up after them: the owner's list, each action's
//! updates, and reminders to owners of overdue actions (a weekly e-mail with a link and no
//! family details, while the action stays overdue).

use crate::audit::AuditEntry;
use crate::{Store, StoreError};
use domain::AgreedActionId;
use domain::decision::ActionStatus;
use policy::{AgreedActionFacts, Permit, Principal, RunsPanel, UpdateAgreedAction, ViewAgreedAction};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Why an update could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum ActionWriteError {
    /// Something on the form does not fit; `field` is where the message belongs.
    #[error("{message}")]
    Input {
        /// The form field.
        field: &'static str,
        /// What to put right.
        message: &'static str,
    },
    /// Someone else changed the action since it was read.
    #[error("someone else changed this action")]
    Stale,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ActionWriteError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

/// One action in a list, with the facts its row is confirmed with.
#[derive(Debug, Clone)]
pub struct ActionListRow {
    /// The asker's part in it, for the policy.
    pub facts: AgreedActionFacts,
    /// What.
    pub description: String,
    /// Who owns it.
    pub owner: String,
    /// Their organisation.
    pub organisation: String,
    /// By when.
    pub due_on: Date,
    /// Where it stands.
    pub status: ActionStatus,
    /// The panel that agreed it.
    pub panel_name: String,
    /// The meeting's date.
    pub meeting_date: Date,
}

/// One action with its history of updates.
#[derive(Debug, Clone)]
pub struct AgreedActionRecord {
    /// Its id.
    pub id: AgreedActionId,
    /// What.
    pub description: String,
    /// Who owns it.
    pub owner: String,
    /// Their organisation.
    pub organisation: String,
    /// By when.
    pub due_on: Date,
    /// Where it stands.
    pub status: ActionStatus,
    /// The panel and meeting that agreed it.
    pub panel_name: String,
    /// The meeting's id.
    pub meeting: domain::MeetingId,
    /// The meeting's date.
    pub meeting_date: Date,
    /// The family, for a link its reader may follow (the family page asks the policy again).
    pub family: Option<domain::FamilyId>,
    /// For optimistic locking.
    pub version: i64,
    /// Updates, oldest first: (note, status after, who, when).
    pub updates: Vec<(String, ActionStatus, String, OffsetDateTime)>,
}

/// What a reminder e-mail needs.
#[derive(Debug, Clone)]
pub struct ReminderDelivery {
    /// Where to send it.
    pub email: domain::email::EmailAddress,
    /// "Dear …".
    pub given_name: String,
    /// The action, for the link.
    pub action: AgreedActionId,
    /// When it was due.
    pub due_on: Date,
}

/// The longest update note the form takes.
pub const UPDATE_NOTE_MAX: usize = 1000;

/// `$1` user, `$2` organisation; `a` the action, `p` its meeting's panel, `m` the meeting.
const PART_COLUMNS: &str = "a.owner_user_id = $1, p.business_support_user_id = $1, \
     EXISTS (SELECT 1 FROM panel_chairs pc WHERE pc.panel_id = p.id AND pc.user_id = $1)";

fn runs(bs: bool, chair: bool) -> RunsPanel {
    if bs {
        RunsPanel::BusinessSupport
    } else if chair {
        RunsPanel::Chair
    } else {
        RunsPanel::None
    }
}

impl Store {
    /// The asker's part in one agreed action, for the policy; `None` when there is no such action.
    pub async fn agreed_action_facts(&self, who: &Principal, id: AgreedActionId) -> Result<Option<AgreedActionFacts>, StoreError> {
        type Part = (bool, bool, bool);
        let (row, excluded): (Option<Part>, Vec<(Uuid,)>) = read!(self, db => {
            let row = sqlx::query_as(&format!(
                "SELECT {PART_COLUMNS} FROM actions a JOIN meetings m ON m.id = a.meeting_id JOIN panels p ON p.id = m.panel_id WHERE a.id = $3"
            ))
            .bind(who.user.0)
            .bind(who.organisation.0)
            .bind(id.0)
            .fetch_optional(db)
            .await?;
            let excluded = sqlx::query_as(
                "SELECT x.organisation_id FROM family_exclusions x JOIN actions a ON a.family_id = x.family_id WHERE a.id = $1",
            )
            .bind(id.0)
            .fetch_all(db)
            .await?;
            (row, excluded)
        });
        Ok(row.map(|(owns_it, bs, chair)| AgreedActionFacts {
            id,
            excluded_organisations: excluded.into_iter().map(|(o,)| domain::OrganisationId(o)).collect(),
            owns_it,
            runs: runs(bs, chair),
        }))
    }

    /// The actions the asker owns or follows up (those of the panels they run), open ones and
    /// those closed in the last four weeks, soonest due first. A family that excludes the asker's
    /// organisation keeps its actions out of the list; the page confirms each row with the policy.
    pub async fn actions_for(&self, who: &Principal) -> Result<Vec<ActionListRow>, StoreError> {
        type Row = (Uuid, bool, bool, bool, String, String, String, String, Date, String, String, Date);
        let since = self.now() - time::Duration::weeks(4);
        let rows: Vec<Row> = read!(self, db => sqlx::query_as(&format!(
            "SELECT a.id, {PART_COLUMNS}, a.description, u.given_name, u.family_name, o.name, a.due_on, a.status, p.name, m.meeting_date \
             FROM actions a JOIN meetings m ON m.id = a.meeting_id JOIN panels p ON p.id = m.panel_id \
             JOIN users u ON u.id = a.owner_user_id JOIN organisations o ON o.id = a.organisation_id \
             WHERE (a.owner_user_id = $1 OR p.business_support_user_id = $1 \
                    OR EXISTS (SELECT 1 FROM panel_chairs pc WHERE pc.panel_id = p.id AND pc.user_id = $1)) \
             AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = a.family_id AND x.organisation_id = $2) \
             AND (a.status = 'open' OR a.created_at >= $3 OR EXISTS (SELECT 1 FROM action_updates au WHERE au.action_id = a.id AND au.at >= $3)) \
             ORDER BY CASE a.status WHEN 'open' THEN 0 ELSE 1 END, a.due_on, a.id LIMIT 500"
        ))
        .bind(who.user.0)
        .bind(who.organisation.0)
        .bind(since)
        .fetch_all(db)
        .await?);
        Ok(rows
            .into_iter()
            .filter_map(
                |(id, owns_it, bs, chair, description, g, f, org, due_on, status, panel_name, meeting_date)| {
                    ActionStatus::from_code(&status).map(|status| ActionListRow {
                        facts: AgreedActionFacts {
                            id: AgreedActionId(id),
                            excluded_organisations: Vec::new(),
                            owns_it,
                            runs: runs(bs, chair),
                        },
                        description,
                        owner: format!("{g} {f}"),
                        organisation: org,
                        due_on,
                        status,
                        panel_name,
                        meeting_date,
                    })
                },
            )
            .collect())
    }

    /// One agreed action with its updates; the read is audited.
    pub async fn agreed_action(&self, permit: &Permit<ViewAgreedAction>, address: &str) -> Result<Option<AgreedActionRecord>, StoreError> {
        let id = permit.agreed_action();
        type Head = (String, String, String, String, Date, String, String, Uuid, Date, Option<Uuid>, i64);
        type Update = (String, String, String, String, OffsetDateTime);
        let (head, updates): (Option<Head>, Vec<Update>) = read!(self, db => {
            let head = sqlx::query_as(
                "SELECT a.description, u.given_name, u.family_name, o.name, a.due_on, a.status, p.name, m.id, m.meeting_date, a.family_id, a.version \
                 FROM actions a JOIN meetings m ON m.id = a.meeting_id JOIN panels p ON p.id = m.panel_id \
                 JOIN users u ON u.id = a.owner_user_id JOIN organisations o ON o.id = a.organisation_id WHERE a.id = $1",
            )
            .bind(id.0)
            .fetch_optional(db)
            .await?;
            let updates = sqlx::query_as(
                "SELECT au.note, au.status, u.given_name, u.family_name, au.at FROM action_updates au JOIN users u ON u.id = au.by_user \
                 WHERE au.action_id = $1 ORDER BY au.seq",
            )
            .bind(id.0)
            .fetch_all(db)
            .await?;
            (head, updates)
        });
        let Some((description, g, f, organisation, due_on, status, panel_name, meeting, meeting_date, family, version)) = head else {
            return Ok(None);
        };
        self.audit_read(
            AuditEntry::new(Some(permit.principal().user), "action.view", "action", Some(id.to_string()))
                .from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(Some(AgreedActionRecord {
            id,
            description,
            owner: format!("{g} {f}"),
            organisation,
            due_on,
            status: ActionStatus::from_code(&status).ok_or_else(|| StoreError::Corrupt(format!("action status {status}")))?,
            panel_name,
            meeting: domain::MeetingId(meeting),
            meeting_date,
            family: family.map(domain::FamilyId),
            version,
            updates: updates
                .into_iter()
                .filter_map(|(note, status, g, f, at)| ActionStatus::from_code(&status).map(|s| (note, s, format!("{g} {f}"), at)))
                .collect(),
        }))
    }

    /// Records progress on an action: a note, and the status it now has (done, cancelled, or
    /// still open; a closed action can be reopened). The version is the one the person read.
    pub async fn update_agreed_action(
        &self,
        permit: &Permit<UpdateAgreedAction>,
        status: ActionStatus,
        note: &str,
        version: i64,
        address: &str,
    ) -> Result<(), ActionWriteError> {
        let note = note.trim();
        if note.is_empty() {
            return Err(ActionWriteError::Input {
                field: "note",
                message: "Enter what has happened",
            });
        }
        if note.chars().count() > UPDATE_NOTE_MAX {
            return Err(ActionWriteError::Input {
                field: "note",
                message: "The update must be 1000 characters or fewer",
            });
        }
        let id = permit.agreed_action();
        let who = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            let n = sqlx::query("UPDATE actions SET status = $1, version = version + 1 WHERE id = $2 AND version = $3")
                .bind(status.code())
                .bind(id.0)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(ActionWriteError::Stale);
            }
            sqlx::query(
                "INSERT INTO action_updates (action_id, seq, note, status, by_user, at) \
                 VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM action_updates WHERE action_id = $1), $2, $3, $4, $5)",
            )
            .bind(id.0)
            .bind(note)
            .bind(status.code())
            .bind(who.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            audit_append!(tx, self, AuditEntry::new(Some(who), "action.update", "action", Some(id.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// Queues a reminder to the owner of every open action past its due date that has not been
    /// reminded in the last week; returns how many. The worker calls it on its passes.
    pub async fn remind_overdue_actions(&self) -> Result<usize, StoreError> {
        let today = self.clock.today();
        let week_ago = today - time::Duration::days(7);
        let due: Vec<(Uuid,)> = read!(self, db => sqlx::query_as(
            "SELECT id FROM actions WHERE status = 'open' AND due_on < $1 AND (reminded_on IS NULL OR reminded_on <= $2) ORDER BY due_on, id",
        )
        .bind(today)
        .bind(week_ago)
        .fetch_all(db)
        .await?);
        if due.is_empty() {
            return Ok(0);
        }
        let n = due.len();
        write!(self, tx, kind => {
            for (id,) in &due {
                let marked = sqlx::query(
                    "UPDATE actions SET reminded_on = $1 WHERE id = $2 AND status = 'open' AND (reminded_on IS NULL OR reminded_on <= $3)",
                )
                .bind(today)
                .bind(id)
                .bind(week_ago)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                // Another server reminded it meanwhile.
                if marked == 1 {
                    enqueue_job!(tx, self, crate::outbox::Job::RemindAction { action: AgreedActionId(*id) }, self.now());
                }
            }
            audit_append!(tx, self, AuditEntry::new(None, "action.remind", "actions", None).personal(format!("actions={n}")));
        });
        Ok(n)
    }

    /// What the reminder e-mail needs; `None` when the action is no longer open, or its owner's
    /// account inactive, their organisation no longer a current signatory or excluded by the
    /// family.
    pub async fn reminder_for_delivery(&self, action: AgreedActionId) -> Result<Option<ReminderDelivery>, StoreError> {
        let row: Option<(String, String, Date)> = read!(self, db => sqlx::query_as(
            "SELECT u.email, u.given_name, a.due_on FROM actions a JOIN users u ON u.id = a.owner_user_id \
             JOIN organisations o ON o.id = u.organisation_id \
             WHERE a.id = $1 AND a.status = 'open' AND u.active AND o.isa_state = 'signed' \
             AND (o.isa_review_due IS NULL OR o.isa_review_due >= $2) \
             AND NOT EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = a.family_id AND x.organisation_id = o.id)",
        )
        .bind(action.0)
        .bind(self.clock.today())
        .fetch_optional(db)
        .await?);
        Ok(row.and_then(|(email, given_name, due_on)| {
            domain::email::EmailAddress::parse(&email).ok().map(|email| ReminderDelivery {
                email,
                given_name,
                action,
                due_on,
            })
        }))
    }
}
