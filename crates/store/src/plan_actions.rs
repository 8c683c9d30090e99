//! The actions of a family's plan: the actions its panel agreed (see `meeting_records`),
//! each linked by the plan's keepers to the need it serves, so the plan shows every need with
//! who is doing what by when. The actions themselves stay the meetings' own: owned, updated and
//! reminded as on the Actions page.

use crate::audit::AuditEntry;
use crate::{Store, StoreError};
use domain::decision::ActionStatus;
use domain::{AgreedActionId, NeedId};
use policy::{Permit, RecordPlan, ViewFamily};
use time::Date;
use uuid::Uuid;

/// One action agreed for the family since its plan opened.
#[derive(Debug, Clone)]
pub struct PlanAction {
    /// The action (its page is `/actions/{id}`).
    pub id: AgreedActionId,
    /// What is to be done.
    pub description: String,
    /// Who does it.
    pub owner: String,
    /// Their organisation.
    pub organisation: String,
    /// By when.
    pub due_on: Date,
    /// Open, done or cancelled.
    pub status: ActionStatus,
    /// The need it serves; none until a keeper of the plan links it.
    pub need: Option<NeedId>,
}

/// Why an action could not be linked to a need.
#[derive(Debug, thiserror::Error)]
pub enum LinkActionError {
    /// The action is not one agreed for this family while its plan is open, or the need is not
    /// on that plan: the form offered something it should not have, or the plan changed.
    #[error("that action or need is not on the family's open plan")]
    NotOnPlan,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The action `a` belongs to plan `p` (opened by decision `d`): agreed for the case the decision
/// was on (the chair may add actions before recording it) or after the plan opened, and not
/// after it closed.
const OF_THE_PLAN: &str = "(a.agenda_item_id = d.agenda_item_id OR a.created_at >= p.opened_at) \
     AND (p.closed_at IS NULL OR a.created_at <= p.closed_at)";

impl From<sqlx::Error> for LinkActionError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

impl Store {
    /// The actions agreed for the permit's family since plan `plan` opened, soonest due first.
    /// Read beside the plan, whose read is audited.
    pub async fn plan_actions(&self, permit: &Permit<ViewFamily>, plan: Uuid) -> Result<Vec<PlanAction>, StoreError> {
        type Row = (Uuid, String, String, String, String, Date, String, Option<Uuid>);
        let rows: Vec<Row> = read!(self, db => sqlx::query_as(&format!(
            "SELECT a.id, a.description, u.given_name, u.family_name, o.name, a.due_on, a.status, a.need_id \
             FROM actions a JOIN plans p ON p.family_id = a.family_id JOIN decisions d ON d.id = p.decision_id \
             JOIN users u ON u.id = a.owner_user_id JOIN organisations o ON o.id = a.organisation_id \
             WHERE p.id = $1 AND a.family_id = $2 AND {OF_THE_PLAN} ORDER BY a.due_on, a.id"
        ))
        .bind(plan)
        .bind(permit.family().0)
        .fetch_all(db)
        .await?);
        rows.into_iter()
            .map(|(id, description, given, family_name, organisation, due_on, status, need)| {
                Ok(PlanAction {
                    id: AgreedActionId(id),
                    description,
                    owner: format!("{given} {family_name}"),
                    organisation,
                    due_on,
                    status: ActionStatus::from_code(&status).ok_or_else(|| StoreError::Corrupt(format!("action status {status}")))?,
                    need: need.map(NeedId),
                })
            })
            .collect()
    }

    /// Links an action agreed for the permit's family since its open plan opened to one of that
    /// plan's needs (or, with `None`, to none). Audited.
    pub async fn link_action_to_need(
        &self,
        permit: &Permit<RecordPlan>,
        action: AgreedActionId,
        need: Option<NeedId>,
        address: &str,
    ) -> Result<(), LinkActionError> {
        let family = permit.family();
        let who = permit.principal().user;
        write!(self, tx, kind => {
            let n = sqlx::query(
                &format!(
                    "UPDATE actions SET need_id = $1 WHERE id = $2 AND id IN (SELECT a.id FROM actions a \
                     JOIN plans p ON p.family_id = a.family_id JOIN decisions d ON d.id = p.decision_id \
                     WHERE a.family_id = $3 AND p.closed_at IS NULL AND {OF_THE_PLAN}) \
                     AND ($1 IS NULL OR $1 IN (SELECT n.id FROM plan_needs n JOIN plans p ON p.id = n.plan_id \
                     WHERE p.family_id = $3 AND p.closed_at IS NULL))"
                ),
            )
            .bind(need.map(|n| n.0))
            .bind(action.0)
            .bind(family.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(LinkActionError::NotOnPlan);
            }
            audit_append!(tx, self, AuditEntry::new(Some(who), "plan.action_linked", "action", Some(action.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }
}
