//! Family plans: one open plan per family, opened in the same transaction as the panel's
//! decision to initiate an Early Help Assessment (see `meeting_records`), its needs recorded
//! against the outcomes framework, and when the Team Around the Family next reviews it.
//!
//! A plan is family data: it is read with the family's [`ViewFamily`] permit and changed with
//! [`RecordPlan`], so whoever may not see the family (a consent exclusion, a lapsed ISA
//! signature) never sees its plan either.

use crate::audit::AuditEntry;
use crate::{Store, StoreError};
use domain::plan::{Need, NeedInput, NeedProblem, OutcomeArea, Progress, Review, ReviewContext, ReviewInput, ReviewProblem};
use domain::{FamilyId, NeedId, PersonId, UserId};
use policy::{Permit, RecordPlan, ViewFamily};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A family's open plan, as the plan page shows it.
#[derive(Debug, Clone)]
pub struct PlanView {
    /// The plan.
    pub id: Uuid,
    /// When the panel's decision opened it.
    pub opened_on: Date,
    /// The meeting whose decision opened it, and that meeting's date.
    pub opened_at_meeting: (Uuid, Date),
    /// The lead professional, if the panel named one: name, organisation, e-mail.
    pub lead_professional: Option<LeadProfessional>,
    /// The lead agency.
    pub lead_organisation: Option<String>,
    /// The first Team Around the Family meeting, as the panel set it.
    pub first_taf_on: Date,
    /// How often the plan is reviewed.
    pub review_weeks: u8,
    /// When the next review is due.
    pub next_review_due: Date,
    /// Whether that date has passed.
    pub review_overdue: bool,
    /// The needs, oldest first.
    pub needs: Vec<NeedView>,
    /// The reviews held, newest first.
    pub reviews: Vec<ReviewView>,
}

/// A Team Around the Family review, as the plan shows it.
#[derive(Debug, Clone)]
pub struct ReviewView {
    /// The day the team met.
    pub held_on: Date,
    /// The parents' own words.
    pub parents_words: Option<String>,
    /// The child's own words.
    pub child_words: Option<String>,
    /// The changes to the plan it agreed.
    pub changes: Option<String>,
    /// The next date it set.
    pub next_on: Date,
    /// Who recorded it.
    pub recorded_by: String,
    /// The progress it judged, by need: the need's area and who it concerns, and the progress.
    pub progress: Vec<(NeedId, Progress)>,
}

/// The lead professional, with what a colleague needs to get in touch.
#[derive(Debug, Clone)]
pub struct LeadProfessional {
    /// Their account.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Their organisation.
    pub organisation: String,
    /// Their work e-mail.
    pub email: String,
}

/// One need on a plan.
#[derive(Debug, Clone)]
pub struct NeedView {
    /// The need.
    pub id: NeedId,
    /// The outcome area's headline.
    pub area: String,
    /// The family member it concerns; none for the whole family.
    pub concerns: Option<String>,
    /// Where things stood when it was added.
    pub baseline: String,
    /// What good looks like.
    pub goal: String,
    /// When it was added.
    pub added_on: Date,
    /// The progress the latest review judged, if any has.
    pub progress: Option<Progress>,
}

/// Why a need could not be added.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// What was typed is not a need yet; each problem names its field.
    #[error("the need is not complete")]
    Input(Vec<NeedProblem>),
    /// The family has no open plan to add to.
    #[error("the family has no open plan")]
    NoOpenPlan,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PlanError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

/// Why a review could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// What was typed is not a review yet; each problem names its field.
    #[error("the review is not complete")]
    Input(Vec<ReviewProblem>),
    /// Another review was recorded since the form was read.
    #[error("someone else recorded a review of this plan")]
    Stale,
    /// The family has no open plan to review.
    #[error("the family has no open plan")]
    NoOpenPlan,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ReviewError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

/// Inserts a plan opened by a decision, unless the family already has an open one (one plan
/// for the family); evaluates to the number of rows inserted. Shared by `open_plan!` and the
/// demo history.
macro_rules! insert_plan {
    ($tx:ident, $plan:expr, $family:expr, $decision_id:expr, $lead:expr, $lead_organisation:expr, $first_taf_on:expr, $opened_at:expr, $opened_by:expr) => {
        sqlx::query(
            "INSERT INTO plans (id, family_id, decision_id, lead_professional_id, lead_organisation_id, first_taf_on, review_weeks, \
             opened_at, opened_by) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
             WHERE NOT EXISTS (SELECT 1 FROM plans WHERE family_id = $2 AND closed_at IS NULL)",
        )
        .bind($plan)
        .bind($family)
        .bind($decision_id)
        .bind($lead)
        .bind($lead_organisation)
        .bind($first_taf_on)
        .bind(i64::from(domain::plan::DEFAULT_REVIEW_WEEKS))
        .bind($opened_at)
        .bind($opened_by)
        .execute(&mut *$tx)
        .await?
        .rows_affected()
    };
}

/// Opens the family's plan from the panel's decision to initiate an assessment, inside the
/// decision's transaction: one plan for the family, so a family whose plan is still open (a
/// stuck case back at panel) keeps it, with the lead professional and agency the panel named
/// now. Either way the audit trail says which happened.
macro_rules! open_plan {
    ($tx:ident, $store:expr, $who:expr, $family:expr, $decision_id:expr, $decision:expr, $first_taf_on:expr, $address:expr) => {{
        let plan = uuid::Uuid::now_v7();
        let opened = insert_plan!(
            $tx,
            plan,
            $family,
            $decision_id,
            $decision.lead_professional.map(|u| u.0),
            $decision.lead_organisation.map(|o| o.0),
            $first_taf_on,
            $store.now(),
            $who.0
        );
        let entry = if opened == 1 {
            $crate::audit::AuditEntry::new(Some($who), "plan.open", "plan", Some(plan.to_string()))
        } else {
            sqlx::query(
                "UPDATE plans SET lead_professional_id = COALESCE($1, lead_professional_id), \
                 lead_organisation_id = COALESCE($2, lead_organisation_id), version = version + 1 \
                 WHERE family_id = $3 AND closed_at IS NULL",
            )
            .bind($decision.lead_professional.map(|u| u.0))
            .bind($decision.lead_organisation.map(|o| o.0))
            .bind($family)
            .execute(&mut *$tx)
            .await?;
            $crate::audit::AuditEntry::new(Some($who), "plan.lead_confirmed", "family", Some($family.to_string()))
        };
        audit_append!($tx, $store, entry.from_address(Some($address.to_owned())));
    }};
}

impl Store {
    /// The outcomes framework, in its order: configuration, not family data.
    pub async fn outcome_areas(&self) -> Result<Vec<OutcomeArea>, StoreError> {
        let rows: Vec<(String, String, String)> = read!(self, db => sqlx::query_as(
            "SELECT code, name, descriptors FROM outcome_areas ORDER BY position, code",
        )
        .fetch_all(db)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(code, name, descriptors)| OutcomeArea {
                code,
                name,
                descriptors: descriptors.lines().map(str::to_owned).collect(),
            })
            .collect())
    }

    /// The permit's family's open plan, if it has one; the read is audited.
    pub async fn family_plan(&self, permit: &Permit<ViewFamily>, address: &str) -> Result<Option<PlanView>, StoreError> {
        let family = permit.family();
        type Head = (
            Uuid,
            OffsetDateTime,
            Uuid,
            Date,
            Option<Uuid>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Date,
            i64,
        );
        type NeedRow = (Uuid, String, Option<String>, Option<String>, String, String, OffsetDateTime);
        type ReviewRow = (Uuid, Date, Option<String>, Option<String>, Option<String>, Date, String);
        type Loaded = (Head, Vec<NeedRow>, Vec<ReviewRow>, Vec<(Uuid, Uuid, String)>);
        let loaded: Option<Loaded> = read!(self, db => {
            let head: Option<Head> = sqlx::query_as(
                "SELECT p.id, p.opened_at, m.id, m.meeting_date, u.id, u.given_name || ' ' || u.family_name, uo.name, u.email, lo.name, \
                 p.first_taf_on, p.review_weeks \
                 FROM plans p JOIN decisions d ON d.id = p.decision_id JOIN meetings m ON m.id = d.meeting_id \
                 LEFT JOIN users u ON u.id = p.lead_professional_id LEFT JOIN organisations uo ON uo.id = u.organisation_id \
                 LEFT JOIN organisations lo ON lo.id = p.lead_organisation_id \
                 WHERE p.family_id = $1 AND p.closed_at IS NULL",
            )
            .bind(family.0)
            .fetch_optional(db)
            .await?;
            match head {
                None => None,
                Some(head) => {
                    let needs = sqlx::query_as(
                        "SELECT n.id, a.name, pe.given_name, pe.family_name, n.baseline, n.goal, n.added_at FROM plan_needs n \
                         JOIN outcome_areas a ON a.code = n.area LEFT JOIN people pe ON pe.id = n.person_id \
                         WHERE n.plan_id = $1 ORDER BY n.added_at, n.id",
                    )
                    .bind(head.0)
                    .fetch_all(db)
                    .await?;
                    let reviews = sqlx::query_as(
                        "SELECT r.id, r.held_on, r.parents_words, r.child_words, r.changes, r.next_on, u.given_name || ' ' || u.family_name \
                         FROM plan_reviews r JOIN users u ON u.id = r.recorded_by WHERE r.plan_id = $1 ORDER BY r.held_on DESC",
                    )
                    .bind(head.0)
                    .fetch_all(db)
                    .await?;
                    let progress = sqlx::query_as(
                        "SELECT np.review_id, np.need_id, np.progress FROM need_progress np JOIN plan_reviews r ON r.id = np.review_id \
                         WHERE r.plan_id = $1",
                    )
                    .bind(head.0)
                    .fetch_all(db)
                    .await?;
                    Some((head, needs, reviews, progress))
                }
            }
        });
        let Some((
            (id, opened_at, meeting, meeting_date, lead, lead_name, lead_org, lead_email, lead_organisation, first_taf_on, weeks),
            needs,
            reviews,
            progress,
        )) = loaded
        else {
            return Ok(None);
        };
        let progress: Vec<(Uuid, Uuid, Progress)> = progress
            .into_iter()
            .map(|(review, need, code): (Uuid, Uuid, String)| {
                Progress::from_code(&code)
                    .map(|p| (review, need, p))
                    .ok_or_else(|| StoreError::Corrupt(format!("need progress {code}")))
            })
            .collect::<Result<_, _>>()?;
        let reviews: Vec<ReviewView> = reviews
            .into_iter()
            .map(
                |(rid, held_on, parents_words, child_words, changes, next_on, recorded_by): ReviewRow| ReviewView {
                    held_on,
                    parents_words,
                    child_words,
                    changes,
                    next_on,
                    recorded_by,
                    progress: progress
                        .iter()
                        .filter(|(r, _, _)| *r == rid)
                        .map(|(_, n, p)| (NeedId(*n), *p))
                        .collect(),
                },
            )
            .collect();
        let review_weeks = u8::try_from(weeks).map_err(|_| StoreError::Corrupt(format!("plan review interval {weeks}")))?;
        let next_review_due = domain::plan::next_review_due(first_taf_on, reviews.first().map(|r| r.next_on));
        self.audit_read(
            AuditEntry::new(Some(permit.principal().user), "plan.view", "family", Some(family.to_string()))
                .from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(Some(PlanView {
            id,
            opened_on: opened_at.date(),
            opened_at_meeting: (meeting, meeting_date),
            lead_professional: match (lead, lead_name, lead_org, lead_email) {
                (Some(id), Some(name), Some(organisation), Some(email)) => Some(LeadProfessional {
                    id: UserId(id),
                    name,
                    organisation,
                    email,
                }),
                _ => None,
            },
            lead_organisation,
            first_taf_on,
            review_weeks,
            next_review_due,
            review_overdue: domain::plan::review_overdue(next_review_due, self.clock.today()),
            needs: needs
                .into_iter()
                .map(|(id, area, given, surname, baseline, goal, added_at)| NeedView {
                    id: NeedId(id),
                    progress: reviews
                        .iter()
                        .find_map(|r| r.progress.iter().find(|(n, _)| n.0 == id).map(|(_, p)| *p)),
                    area,
                    concerns: given.map(|g| match surname {
                        Some(s) => format!("{g} {s}"),
                        None => g,
                    }),
                    baseline,
                    goal,
                    added_on: added_at.date(),
                })
                .collect(),
            reviews,
        }))
    }

    /// Adds a need to the permit's family's open plan, checked against the framework and the
    /// family's members.
    pub async fn add_need(&self, permit: &Permit<RecordPlan>, input: &NeedInput<'_>, address: &str) -> Result<Uuid, PlanError> {
        let family = permit.family();
        let areas = self.outcome_areas().await?;
        let (plan, members): (Option<Uuid>, Vec<Uuid>) = read!(self, db => {
            let plan = sqlx::query_scalar("SELECT id FROM plans WHERE family_id = $1 AND closed_at IS NULL")
                .bind(family.0)
                .fetch_optional(db)
                .await?;
            let members = sqlx::query_scalar("SELECT id FROM people WHERE family_id = $1 AND merged_into IS NULL")
                .bind(family.0)
                .fetch_all(db)
                .await?;
            (plan, members)
        });
        let plan = plan.ok_or(PlanError::NoOpenPlan)?;
        let members: Vec<PersonId> = members.into_iter().map(PersonId).collect();
        let need = Need::parse(input, &areas, &members).map_err(PlanError::Input)?;
        let id = Uuid::now_v7();
        let who = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query(
                "INSERT INTO plan_needs (id, plan_id, area, person_id, baseline, goal, added_by, added_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(plan)
            .bind(&need.area)
            .bind(need.concerns.map(|p| p.0))
            .bind(&need.baseline)
            .bind(&need.goal)
            .bind(who.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            audit_append!(tx, self, AuditEntry::new(Some(who), "plan.need_added", "plan_need", Some(id.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(id)
    }

    /// Records a Team Around the Family review of the permit's family's open plan: progress on
    /// every need, the family's words, the changes agreed and the next date. `reviews_seen` is
    /// how many reviews the form was filled in against, so two people recording the same
    /// meeting do not both succeed.
    pub async fn record_review(
        &self,
        permit: &Permit<RecordPlan>,
        input: &ReviewInput<'_>,
        reviews_seen: i64,
        address: &str,
    ) -> Result<(), ReviewError> {
        let family = permit.family();
        type PlanRow = (Uuid, OffsetDateTime, i64, i64);
        let (plan, needs, last): (Option<PlanRow>, Vec<Uuid>, Option<Date>) = read!(self, db => {
            let plan: Option<PlanRow> = sqlx::query_as(
                "SELECT p.id, p.opened_at, p.review_weeks, (SELECT COUNT(*) FROM plan_reviews r WHERE r.plan_id = p.id) \
                 FROM plans p WHERE p.family_id = $1 AND p.closed_at IS NULL",
            )
            .bind(family.0)
            .fetch_optional(db)
            .await?;
            let plan_id = plan.as_ref().map(|p| p.0);
            let needs = sqlx::query_scalar("SELECT id FROM plan_needs WHERE plan_id = $1 ORDER BY added_at, id")
                .bind(plan_id)
                .fetch_all(db)
                .await?;
            let last = sqlx::query_scalar("SELECT MAX(held_on) FROM plan_reviews WHERE plan_id = $1")
                .bind(plan_id)
                .fetch_one(db)
                .await?;
            (plan, needs, last)
        });
        let (plan, opened_at, weeks, held) = plan.ok_or(ReviewError::NoOpenPlan)?;
        if held != reviews_seen {
            return Err(ReviewError::Stale);
        }
        let needs: Vec<NeedId> = needs.into_iter().map(NeedId).collect();
        let interval_weeks = u8::try_from(weeks).map_err(|_| StoreError::Corrupt(format!("plan review interval {weeks}")))?;
        let review = Review::parse(
            input,
            ReviewContext {
                needs: &needs,
                opened_on: opened_at.date(),
                last_held_on: last,
                today: self.clock.today(),
                interval_weeks,
            },
        )
        .map_err(ReviewError::Input)?;
        let id = Uuid::now_v7();
        let who = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            let counted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plan_reviews WHERE plan_id = $1")
                .bind(plan)
                .fetch_one(&mut *tx)
                .await?;
            if counted != reviews_seen {
                return Err(ReviewError::Stale);
            }
            sqlx::query(
                "INSERT INTO plan_reviews (id, plan_id, held_on, parents_words, child_words, changes, next_on, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(plan)
            .bind(review.held_on)
            .bind(review.parents_words.as_deref())
            .bind(review.child_words.as_deref())
            .bind(review.changes.as_deref())
            .bind(review.next_on)
            .bind(who.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            for (need, progress) in &review.progress {
                sqlx::query("INSERT INTO need_progress (review_id, need_id, progress) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(need.0)
                    .bind(progress.code())
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("UPDATE plans SET version = version + 1 WHERE id = $1")
                .bind(plan)
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, self, AuditEntry::new(Some(who), "plan.review", "plan", Some(plan.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// Open plans this person leads whose Team Around the Family review is overdue, oldest
    /// due first: the family, its address and the date the review was due. The caller confirms
    /// each family with the policy before showing it.
    pub async fn overdue_reviews(&self, lead: UserId) -> Result<Vec<(FamilyId, String, Date)>, StoreError> {
        let rows: Vec<(Uuid, String, Date, Option<Date>)> = read!(self, db => sqlx::query_as(
            "SELECT f.id, f.address_line, p.first_taf_on, \
             (SELECT r.next_on FROM plan_reviews r WHERE r.plan_id = p.id ORDER BY r.held_on DESC LIMIT 1) \
             FROM plans p JOIN families f ON f.id = p.family_id WHERE p.lead_professional_id = $1 AND p.closed_at IS NULL",
        )
        .bind(lead.0)
        .fetch_all(db)
        .await?);
        let today = self.clock.today();
        let mut overdue: Vec<(FamilyId, String, Date)> = rows
            .into_iter()
            .map(|(f, a, first_taf_on, last_set)| (FamilyId(f), a, domain::plan::next_review_due(first_taf_on, last_set)))
            .filter(|(_, _, due)| domain::plan::review_overdue(*due, today))
            .collect();
        overdue.sort_by_key(|(_, _, due)| *due);
        Ok(overdue)
    }
}
