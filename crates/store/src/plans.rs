//! Family plans: one open plan per family, opened in the same transaction as the panel's
//! decision to initiate an Early Help Assessment (see `meeting_records`), its needs recorded
//! against the outcomes framework, and when the Team Around the Family next reviews it.
//!
//! A plan is family data: it is read with the family's [`ViewFamily`] permit and changed with
//! [`RecordPlan`], so whoever may not see the family (a consent exclusion, a lapsed ISA
//! signature) never sees its plan either.

use crate::audit::AuditEntry;
use crate::notes::Read;
use crate::{Store, StoreError};
use domain::plan::{Need, NeedInput, NeedProblem, OutcomeArea, PlanProblem, Progress, Review, ReviewContext, ReviewInput};
use domain::plan_closure::{
    ClaimNeed, ClaimsRule, Closure, ClosureContext, ClosureInput, ClosureReason, DEFAULT_SUSTAIN_MONTHS, SustainCheck, SustainContext,
    SustainInput,
};
use domain::{FamilyId, NeedId, PersonId, UserId};
use policy::{FamilyFacts, ManageProgramme, Permit, RecordPlan, ViewClaimsList, ViewFamily};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A family's plan, as the plan page shows it: the open one, or when none is open the one
/// closed last, with its closure.
#[derive(Debug, Clone)]
pub struct PlanView {
    /// The plan.
    pub id: Uuid,
    /// Changes with every review and the closure, so a form filled in against an older plan
    /// is refused rather than overwriting what someone else recorded.
    pub version: i64,
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
    /// How the plan closed; none while it is open.
    pub closure: Option<ClosureView>,
}

impl PlanView {
    /// Whether the plan is still open: reviews are recorded and needs added only then.
    pub fn is_open(&self) -> bool {
        self.closure.is_none()
    }
}

/// How a plan closed, and what was found when the team went back.
#[derive(Debug, Clone)]
pub struct ClosureView {
    /// The day it closed.
    pub closed_on: Date,
    /// Why.
    pub reason: ClosureReason,
    /// The closing summary.
    pub summary: Option<String>,
    /// The parents' words at the end.
    pub parents_words: Option<String>,
    /// The child's words at the end.
    pub child_words: Option<String>,
    /// Who closed it.
    pub closed_by: String,
    /// When the team goes back to confirm progress held; none when the ending calls for no
    /// check.
    pub sustain_due_on: Option<Date>,
    /// The check, once made.
    pub sustain: Option<SustainView>,
    /// Whether the plan meets the programme's rule for significant and sustained progress.
    pub meets_claims_rule: bool,
}

impl ClosureView {
    /// Whether the check is due and not yet made.
    pub fn sustain_check_due(&self, today: Date) -> bool {
        self.sustain.is_none() && self.sustain_due_on.is_some_and(|due| due <= today)
    }
}

/// The sustained-progress check.
#[derive(Debug, Clone)]
pub struct SustainView {
    /// The day the team checked.
    pub checked_on: Date,
    /// What showed it.
    pub evidence: String,
    /// Who recorded it.
    pub recorded_by: String,
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
    /// The outcome area's code, which the claims rule counts.
    pub area_code: String,
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
    /// Where it stood when the plan closed.
    pub status_at_close: Option<Progress>,
    /// Whether the improvement held when the team went back.
    pub held: Option<bool>,
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

/// Why a review, a closure or a sustained-progress check could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum PlanChangeError {
    /// What was typed is not complete yet; each problem names its field.
    #[error("the form is not complete")]
    Input(Vec<PlanProblem>),
    /// Someone else changed the plan since the form was read.
    #[error("someone else changed this plan")]
    Stale,
    /// The family has no open plan to review or close.
    #[error("the family has no open plan")]
    NoOpenPlan,
    /// The family has no closed plan waiting for its sustained-progress check.
    #[error("the family has no plan waiting for a check that progress held")]
    NoCheckDue,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PlanChangeError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

/// A stored progress code as the domain's value.
fn progress_from(code: &str) -> Result<Progress, StoreError> {
    Progress::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("need progress {code}")))
}

/// A closed plan's needs as the claims rule weighs them; a need with no status at close
/// counts as no change.
fn claim_needs(needs: &[NeedView]) -> Vec<ClaimNeed<'_>> {
    needs
        .iter()
        .map(|n| ClaimNeed {
            area: &n.area_code,
            at_close: n.status_at_close.unwrap_or(Progress::NoChange),
            held: n.held,
        })
        .collect()
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

    /// The permit's family's plan: the open one, or the one closed last; none when the
    /// family has never had one. The read is audited.
    pub async fn family_plan(&self, permit: &Permit<ViewFamily>, address: &str) -> Result<Option<PlanView>, StoreError> {
        let family = permit.family();
        let rule = self.programme_settings().await?.claims;
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
            i64,
        );
        type ClosureRow = (
            Date,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            Option<Date>,
            Option<Date>,
            Option<String>,
            Option<String>,
        );
        type NeedRow = (
            Uuid,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            OffsetDateTime,
            Option<String>,
            Option<bool>,
        );
        type ReviewRow = (Uuid, Date, Option<String>, Option<String>, Option<String>, Date, String);
        type Loaded = (Head, Option<ClosureRow>, Vec<NeedRow>, Vec<ReviewRow>, Vec<(Uuid, Uuid, String)>);
        let loaded: Option<Loaded> = read!(self, db => {
            let head: Option<Head> = sqlx::query_as(
                "SELECT p.id, p.opened_at, m.id, m.meeting_date, u.id, u.given_name || ' ' || u.family_name, uo.name, u.email, lo.name, \
                 p.first_taf_on, p.review_weeks, p.version \
                 FROM plans p JOIN decisions d ON d.id = p.decision_id JOIN meetings m ON m.id = d.meeting_id \
                 LEFT JOIN users u ON u.id = p.lead_professional_id LEFT JOIN organisations uo ON uo.id = u.organisation_id \
                 LEFT JOIN organisations lo ON lo.id = p.lead_organisation_id \
                 WHERE p.family_id = $1 ORDER BY CASE WHEN p.closed_at IS NULL THEN 0 ELSE 1 END, p.closed_at DESC LIMIT 1",
            )
            .bind(family.0)
            .fetch_optional(db)
            .await?;
            match head {
                None => None,
                Some(head) => {
                    let closure = sqlx::query_as(
                        "SELECT p.closed_on, p.closed_reason, p.closing_summary, p.closing_parents_words, p.closing_child_words, \
                         c.given_name || ' ' || c.family_name, p.sustain_due_on, sc.checked_on, sc.evidence, \
                         r.given_name || ' ' || r.family_name \
                         FROM plans p JOIN users c ON c.id = p.closed_by LEFT JOIN sustain_checks sc ON sc.plan_id = p.id \
                         LEFT JOIN users r ON r.id = sc.recorded_by WHERE p.id = $1 AND p.closed_at IS NOT NULL",
                    )
                    .bind(head.0)
                    .fetch_optional(db)
                    .await?;
                    let needs = sqlx::query_as(
                        "SELECT n.id, a.code, a.name, pe.given_name, pe.family_name, n.baseline, n.goal, n.added_at, n.status_at_close, ns.held \
                         FROM plan_needs n JOIN outcome_areas a ON a.code = n.area LEFT JOIN people pe ON pe.id = n.person_id \
                         LEFT JOIN need_sustained ns ON ns.need_id = n.id \
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
                    Some((head, closure, needs, reviews, progress))
                }
            }
        });
        let Some((
            (id, opened_at, meeting, meeting_date, lead, lead_name, lead_org, lead_email, lead_organisation, first_taf_on, weeks, version),
            closure,
            needs,
            reviews,
            progress,
        )) = loaded
        else {
            return Ok(None);
        };
        let progress: Vec<(Uuid, Uuid, Progress)> = progress
            .into_iter()
            .map(|(review, need, code): (Uuid, Uuid, String)| Ok((review, need, progress_from(&code)?)))
            .collect::<Result<_, StoreError>>()?;
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
        let needs: Vec<NeedView> = needs
            .into_iter()
            .map(
                |(id, area_code, area, given, surname, baseline, goal, added_at, at_close, held): NeedRow| -> Result<NeedView, StoreError> {
                    Ok(NeedView {
                        id: NeedId(id),
                        progress: reviews
                            .iter()
                            .find_map(|r| r.progress.iter().find(|(n, _)| n.0 == id).map(|(_, p)| *p)),
                        area_code,
                        area,
                        concerns: given.map(|g| match surname {
                            Some(s) => format!("{g} {s}"),
                            None => g,
                        }),
                        baseline,
                        goal,
                        added_on: added_at.date(),
                        status_at_close: at_close.as_deref().map(progress_from).transpose()?,
                        held,
                    })
                },
            )
            .collect::<Result<_, _>>()?;
        let closure =
            closure
                .map(
                    |(
                        closed_on,
                        reason,
                        summary,
                        parents_words,
                        child_words,
                        closed_by,
                        sustain_due_on,
                        checked_on,
                        evidence,
                        checked_by,
                    ): ClosureRow| {
                        let reason = ClosureReason::from_code(&reason)
                            .ok_or_else(|| StoreError::Corrupt(format!("plan closure reason {reason}")))?;
                        Ok::<_, StoreError>(ClosureView {
                            closed_on,
                            reason,
                            summary,
                            parents_words,
                            child_words,
                            closed_by,
                            sustain_due_on,
                            sustain: match (checked_on, evidence, checked_by) {
                                (Some(checked_on), Some(evidence), Some(recorded_by)) => Some(SustainView {
                                    checked_on,
                                    evidence,
                                    recorded_by,
                                }),
                                _ => None,
                            },
                            meets_claims_rule: rule.is_met(&claim_needs(&needs)),
                        })
                    },
                )
                .transpose()?;
        let review_weeks = u8::try_from(weeks).map_err(|_| StoreError::Corrupt(format!("plan review interval {weeks}")))?;
        let next_review_due = domain::plan::next_review_due(first_taf_on, reviews.first().map(|r| r.next_on));
        self.audit_read(
            AuditEntry::new(Some(permit.principal().user), "plan.view", "family", Some(family.to_string()))
                .from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(Some(PlanView {
            id,
            version,
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
            review_overdue: closure.is_none() && domain::plan::review_overdue(next_review_due, self.clock.today()),
            needs,
            reviews,
            closure,
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
            // A plan closed since it was read takes no more needs; the version moves on, so a
            // closure form read before this need cannot close the plan without its status.
            let open = sqlx::query("UPDATE plans SET version = version + 1 WHERE id = $1 AND closed_at IS NULL")
                .bind(plan)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if open != 1 {
                return Err(PlanError::NoOpenPlan);
            }
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
    ) -> Result<(), PlanChangeError> {
        let family = permit.family();
        let open = self.open_plan_state(family).await?.ok_or(PlanChangeError::NoOpenPlan)?;
        if open.reviews != reviews_seen {
            return Err(PlanChangeError::Stale);
        }
        let review = Review::parse(
            input,
            ReviewContext {
                needs: &open.needs,
                opened_on: open.opened_on,
                last_held_on: open.last_held_on,
                today: self.clock.today(),
                interval_weeks: open.review_weeks,
            },
        )
        .map_err(PlanChangeError::Input)?;
        let plan = open.id;
        let id = Uuid::now_v7();
        let who = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            let counted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plan_reviews WHERE plan_id = $1")
                .bind(plan)
                .fetch_one(&mut *tx)
                .await?;
            if counted != reviews_seen {
                return Err(PlanChangeError::Stale);
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
            // A plan closed since it was read takes no review.
            let open = sqlx::query("UPDATE plans SET version = version + 1 WHERE id = $1 AND closed_at IS NULL")
                .bind(plan)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if open != 1 {
                return Err(PlanChangeError::Stale);
            }
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

/// A family's open plan as a form that changes it is checked against.
struct OpenPlan {
    id: Uuid,
    opened_on: Date,
    review_weeks: u8,
    version: i64,
    /// How many reviews it has had.
    reviews: i64,
    /// Its needs, oldest first.
    needs: Vec<NeedId>,
    /// The day of its last review.
    last_held_on: Option<Date>,
}

impl Store {
    /// The family's open plan, with what a review or a closure is checked against.
    async fn open_plan_state(&self, family: FamilyId) -> Result<Option<OpenPlan>, StoreError> {
        type PlanRow = (Uuid, OffsetDateTime, i64, i64, i64, Option<Date>);
        let (plan, needs): (Option<PlanRow>, Vec<Uuid>) = read!(self, db => {
            let plan: Option<PlanRow> = sqlx::query_as(
                "SELECT p.id, p.opened_at, p.review_weeks, p.version, (SELECT COUNT(*) FROM plan_reviews r WHERE r.plan_id = p.id), \
                 (SELECT MAX(r.held_on) FROM plan_reviews r WHERE r.plan_id = p.id) \
                 FROM plans p WHERE p.family_id = $1 AND p.closed_at IS NULL",
            )
            .bind(family.0)
            .fetch_optional(db)
            .await?;
            let needs = sqlx::query_scalar("SELECT id FROM plan_needs WHERE plan_id = $1 ORDER BY added_at, id")
                .bind(plan.as_ref().map(|p| p.0))
                .fetch_all(db)
                .await?;
            (plan, needs)
        });
        plan.map(|(id, opened_at, weeks, version, reviews, last_held_on)| {
            Ok(OpenPlan {
                id,
                opened_on: opened_at.date(),
                review_weeks: u8::try_from(weeks).map_err(|_| StoreError::Corrupt(format!("plan review interval {weeks}")))?,
                version,
                reviews,
                needs: needs.into_iter().map(NeedId).collect(),
                last_held_on,
            })
        })
        .transpose()
    }
}

/// The plan `p` has a sustained-progress check still to make: it closed for a reason that
/// calls for one, it is the family's latest plan (none open, none closed after it), and no
/// check has been recorded. One rule for the home page's task and the check itself.
const CHECK_TO_MAKE: &str = "p.sustain_due_on IS NOT NULL \
     AND NOT EXISTS (SELECT 1 FROM plans o WHERE o.family_id = p.family_id AND o.closed_at IS NULL) \
     AND p.closed_at = (SELECT MAX(l.closed_at) FROM plans l WHERE l.family_id = p.family_id) \
     AND NOT EXISTS (SELECT 1 FROM sustain_checks sc WHERE sc.plan_id = p.id)";

/// The settings keys of the programme's configuration.
const SUSTAIN_MONTHS_KEY: &str = "plans.sustain_months";
const CLAIM_MIN_AREAS_KEY: &str = "claims.min_areas";
const CLAIM_EVERY_NEED_KEY: &str = "claims.every_need";

/// The programme's configuration: how long after closure progress is confirmed, and the rule
/// a family's progress must meet to be claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgrammeSettings {
    /// Months from closure to the sustained-progress check.
    pub sustain_months: u8,
    /// The claims rule.
    pub claims: ClaimsRule,
    /// The dashboards' threshold: counts of fewer families are hidden.
    pub suppression: domain::dashboard::Suppression,
}

impl Default for ProgrammeSettings {
    fn default() -> Self {
        Self {
            sustain_months: DEFAULT_SUSTAIN_MONTHS,
            claims: ClaimsRule::default(),
            suppression: domain::dashboard::Suppression::default(),
        }
    }
}

/// One family on the claims list, with the evidence the claim rests on.
#[derive(Debug, Clone)]
pub struct ClaimRow {
    /// The family's facts, as the policy confirmed them.
    pub facts: FamilyFacts,
    /// Its address, as the list names it.
    pub address: String,
    /// When the plan opened and closed, and why it closed.
    pub opened_on: Date,
    /// The day it closed.
    pub closed_on: Date,
    /// Why it closed.
    pub reason: ClosureReason,
    /// The outcome areas with significant progress that held.
    pub areas: Vec<String>,
    /// The day progress was confirmed, and the evidence.
    pub checked_on: Date,
    /// The evidence.
    pub evidence: String,
    /// Who led the plan.
    pub lead_professional: Option<String>,
}

impl Store {
    /// The programme's configuration, with the product's defaults for whatever a council has
    /// not set. A stored value out of range is reported, not quietly replaced.
    pub async fn programme_settings(&self) -> Result<ProgrammeSettings, StoreError> {
        let rows: Vec<(String, String)> = read!(self, db => sqlx::query_as(
            "SELECT key, value FROM settings WHERE key IN ($1, $2, $3, $4)",
        )
        .bind(SUSTAIN_MONTHS_KEY)
        .bind(CLAIM_MIN_AREAS_KEY)
        .bind(CLAIM_EVERY_NEED_KEY)
        .bind(crate::dashboards::SUPPRESS_BELOW_KEY)
        .fetch_all(db)
        .await?);
        let mut settings = ProgrammeSettings::default();
        for (key, value) in rows {
            let number = || value.parse::<i64>().map_err(|_| StoreError::Corrupt(format!("setting {key}")));
            let corrupt = |_| StoreError::Corrupt(format!("setting {key}"));
            match key.as_str() {
                SUSTAIN_MONTHS_KEY => settings.sustain_months = domain::plan_closure::sustain_months(number()?).map_err(corrupt)?,
                CLAIM_MIN_AREAS_KEY => settings.claims.min_areas = ClaimsRule::min_areas(number()?).map_err(corrupt)?,
                CLAIM_EVERY_NEED_KEY => settings.claims.every_need = value == "true",
                crate::dashboards::SUPPRESS_BELOW_KEY => {
                    let below = u32::try_from(number()?).map_err(|_| StoreError::Corrupt(format!("setting {key}")))?;
                    settings.suppression =
                        domain::dashboard::Suppression::new(below).map_err(|_| StoreError::Corrupt(format!("setting {key}")))?;
                }
                _ => {}
            }
        }
        Ok(settings)
    }

    /// Sets the programme's rules; each is checked by the domain before anything is stored.
    pub async fn set_programme_settings(
        &self,
        permit: &Permit<ManageProgramme>,
        settings: &ProgrammeSettings,
        address: &str,
    ) -> Result<(), StoreError> {
        let who = permit.principal().user;
        let values = [
            (SUSTAIN_MONTHS_KEY, settings.sustain_months.to_string()),
            (CLAIM_MIN_AREAS_KEY, settings.claims.min_areas.to_string()),
            (CLAIM_EVERY_NEED_KEY, settings.claims.every_need.to_string()),
            (crate::dashboards::SUPPRESS_BELOW_KEY, settings.suppression.below().to_string()),
        ];
        write!(self, tx, kind => {
            for (key, value) in &values {
                sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(*key)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
            }
            audit_append!(tx, self, AuditEntry::new(Some(who), "programme.settings", "settings", None)
                .from_address(Some(address.to_owned()))
                .personal(format!(
                    "sustain_months={} min_areas={} every_need={} suppress_below={}",
                    settings.sustain_months,
                    settings.claims.min_areas,
                    settings.claims.every_need,
                    settings.suppression.below()
                )));
        });
        Ok(())
    }

    /// Changes how often the permit's family's open plan is reviewed. The next review keeps
    /// the date already set; the new interval applies from the next review on. `version` is
    /// the plan's version the form was filled in against.
    pub async fn set_review_interval(
        &self,
        permit: &Permit<RecordPlan>,
        weeks: i64,
        version: i64,
        address: &str,
    ) -> Result<(), PlanChangeError> {
        let weeks = domain::plan::review_weeks(weeks).map_err(|message| {
            PlanChangeError::Input(vec![PlanProblem {
                field: "review_weeks",
                need: None,
                message,
            }])
        })?;
        let open = self.open_plan_state(permit.family()).await?.ok_or(PlanChangeError::NoOpenPlan)?;
        let who = permit.principal().user;
        write!(self, tx, kind => {
            let changed = sqlx::query("UPDATE plans SET review_weeks = $1, version = version + 1 WHERE id = $2 AND version = $3 AND closed_at IS NULL")
                .bind(i64::from(weeks))
                .bind(open.id)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed != 1 {
                return Err(PlanChangeError::Stale);
            }
            audit_append!(tx, self, AuditEntry::new(Some(who), "plan.review_interval", "plan", Some(open.id.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// Closes the permit's family's open plan: the reason, each need's status, the family's
    /// last words, and when the team goes back to confirm progress held. `version` is the
    /// plan's version the form was filled in against. Returns the date of that check, if the
    /// ending calls for one.
    pub async fn close_plan(
        &self,
        permit: &Permit<RecordPlan>,
        input: &ClosureInput<'_>,
        version: i64,
        address: &str,
    ) -> Result<Option<Date>, PlanChangeError> {
        let family = permit.family();
        let months = self.programme_settings().await?.sustain_months;
        let open = self.open_plan_state(family).await?.ok_or(PlanChangeError::NoOpenPlan)?;
        if open.version != version {
            return Err(PlanChangeError::Stale);
        }
        let closure = Closure::parse(
            input,
            ClosureContext {
                needs: &open.needs,
                opened_on: open.opened_on,
                last_held_on: open.last_held_on,
                today: self.clock.today(),
            },
        )
        .map_err(PlanChangeError::Input)?;
        let due = closure.sustain_check_due(months);
        let plan = open.id;
        let who = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            let closed = sqlx::query(
                "UPDATE plans SET closed_at = $1, closed_on = $2, closed_reason = $3, closed_by = $4, closing_summary = $5, \
                 closing_parents_words = $6, closing_child_words = $7, sustain_due_on = $8, version = version + 1 \
                 WHERE id = $9 AND version = $10 AND closed_at IS NULL",
            )
            .bind(now)
            .bind(closure.closed_on)
            .bind(closure.reason.code())
            .bind(who.0)
            .bind(closure.summary.as_deref())
            .bind(closure.parents_words.as_deref())
            .bind(closure.child_words.as_deref())
            .bind(due)
            .bind(plan)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            // A need added or a review recorded since the form was read moved the version on.
            if closed != 1 {
                return Err(PlanChangeError::Stale);
            }
            for (need, status) in &closure.statuses {
                sqlx::query("UPDATE plan_needs SET status_at_close = $1 WHERE id = $2")
                    .bind(status.code())
                    .bind(need.0)
                    .execute(&mut *tx)
                    .await?;
            }
            audit_append!(tx, self, AuditEntry::new(Some(who), "plan.close", "plan", Some(plan.to_string()))
                .from_address(Some(address.to_owned()))
                .personal(format!("reason={}", closure.reason.code())));
        });
        Ok(due)
    }

    /// Records the check, months after closure, that the improvement on each need of the
    /// permit's family's last closed plan held, with the evidence. A plan is checked once.
    pub async fn record_sustain_check(
        &self,
        permit: &Permit<RecordPlan>,
        input: &SustainInput<'_>,
        address: &str,
    ) -> Result<(), PlanChangeError> {
        let family = permit.family();
        let (plan, needs): (Option<(Uuid, Date)>, Vec<Uuid>) = read!(self, db => {
            let plan: Option<(Uuid, Date)> = sqlx::query_as(
                &format!("SELECT p.id, p.sustain_due_on FROM plans p WHERE p.family_id = $1 AND {CHECK_TO_MAKE}"),
            )
            .bind(family.0)
            .fetch_optional(db)
            .await?;
            let needs = sqlx::query_scalar("SELECT id FROM plan_needs WHERE plan_id = $1 ORDER BY added_at, id")
                .bind(plan.map(|p| p.0))
                .fetch_all(db)
                .await?;
            (plan, needs)
        });
        let (plan, due_on) = plan.ok_or(PlanChangeError::NoCheckDue)?;
        let needs: Vec<NeedId> = needs.into_iter().map(NeedId).collect();
        let check = SustainCheck::parse(
            input,
            SustainContext {
                needs: &needs,
                due_on,
                today: self.clock.today(),
            },
        )
        .map_err(PlanChangeError::Input)?;
        let who = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            let inserted = sqlx::query(
                "INSERT INTO sustain_checks (plan_id, checked_on, evidence, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (plan_id) DO NOTHING",
            )
            .bind(plan)
            .bind(check.checked_on)
            .bind(&check.evidence)
            .bind(who.0)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted != 1 {
                return Err(PlanChangeError::Stale);
            }
            for (need, held) in &check.held {
                sqlx::query("INSERT INTO need_sustained (plan_id, need_id, held) VALUES ($1, $2, $3)")
                    .bind(plan)
                    .bind(need.0)
                    .bind(*held)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("UPDATE plans SET version = version + 1 WHERE id = $1")
                .bind(plan)
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, self, AuditEntry::new(Some(who), "plan.sustain_check", "plan", Some(plan.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// Closed plans this person led whose sustained-progress check has fallen due and is not
    /// yet made, oldest due first: the family, its address and the date. The caller confirms
    /// each family with the policy before showing it.
    pub async fn sustain_checks_due(&self, lead: UserId) -> Result<Vec<(FamilyId, String, Date)>, StoreError> {
        let rows: Vec<(Uuid, String, Date)> = read!(self, db => sqlx::query_as(
            &format!(
                "SELECT f.id, f.address_line, p.sustain_due_on FROM plans p JOIN families f ON f.id = p.family_id \
                 WHERE p.lead_professional_id = $1 AND p.sustain_due_on <= $2 AND {CHECK_TO_MAKE} ORDER BY p.sustain_due_on, f.id"
            ),
        )
        .bind(lead.0)
        .bind(self.clock.today())
        .fetch_all(db)
        .await?);
        Ok(rows.into_iter().map(|(f, a, due)| (FamilyId(f), a, due)).collect())
    }

    /// The claims list: every family whose closed plan meets the programme's rule, with the
    /// areas and evidence, most recently confirmed first; only the families `shown` accepts.
    /// Audited; an export's families are each written to the sharing log.
    pub async fn claims(
        &self,
        permit: &Permit<ViewClaimsList>,
        shown: impl Fn(&FamilyFacts) -> bool,
        read: &Read,
        address: &str,
    ) -> Result<Vec<ClaimRow>, StoreError> {
        let who = permit.principal();
        let rule = self.programme_settings().await?.claims;
        type Row = (
            Uuid,
            Uuid,
            String,
            String,
            OffsetDateTime,
            Date,
            String,
            Date,
            String,
            Option<String>,
        );
        type NeedRow = (Uuid, String, String, Option<String>, Option<bool>);
        let (rows, needs): (Vec<Row>, Vec<NeedRow>) = read!(self, db => {
            let rows = sqlx::query_as(
                "SELECT p.id, f.id, f.address_line, f.postcode, p.opened_at, p.closed_on, p.closed_reason, sc.checked_on, sc.evidence, \
                 u.given_name || ' ' || u.family_name \
                 FROM sustain_checks sc JOIN plans p ON p.id = sc.plan_id JOIN families f ON f.id = p.family_id \
                 LEFT JOIN users u ON u.id = p.lead_professional_id ORDER BY sc.checked_on DESC, p.id",
            )
            .fetch_all(db)
            .await?;
            let needs = sqlx::query_as(
                "SELECT n.plan_id, n.area, a.name, n.status_at_close, ns.held FROM sustain_checks sc \
                 JOIN plan_needs n ON n.plan_id = sc.plan_id JOIN outcome_areas a ON a.code = n.area \
                 LEFT JOIN need_sustained ns ON ns.need_id = n.id ORDER BY a.position, n.id",
            )
            .fetch_all(db)
            .await?;
            (rows, needs)
        });
        let mut families: Vec<FamilyId> = rows.iter().map(|r| FamilyId(r.1)).collect();
        families.sort_unstable();
        families.dedup();
        let facts_of = self.families_facts(who, &families).await?;
        let mut out = Vec::new();
        for (plan, family, address_line, postcode, opened_at, closed_on, reason, checked_on, evidence, lead) in rows {
            let mut weighed = Vec::new();
            for (_, code, name, at_close, held) in needs.iter().filter(|n| n.0 == plan) {
                let at_close = at_close.as_deref().map(progress_from).transpose()?.unwrap_or(Progress::NoChange);
                weighed.push((
                    ClaimNeed {
                        area: code.as_str(),
                        at_close,
                        held: *held,
                    },
                    name,
                ));
            }
            let claim: Vec<ClaimNeed<'_>> = weighed.iter().map(|(n, _)| *n).collect();
            if !rule.is_met(&claim) {
                continue;
            }
            let Some(facts) = facts_of.get(&FamilyId(family)).cloned() else {
                continue;
            };
            if !shown(&facts) {
                continue;
            }
            let mut areas: Vec<String> = Vec::new();
            for (n, name) in &weighed {
                if n.counts() && !areas.contains(name) {
                    areas.push((*name).clone());
                }
            }
            out.push(ClaimRow {
                facts,
                address: format!("{address_line}, {postcode}"),
                opened_on: opened_at.date(),
                closed_on,
                reason: ClosureReason::from_code(&reason).ok_or_else(|| StoreError::Corrupt(format!("plan closure reason {reason}")))?,
                areas,
                checked_on,
                evidence,
                lead_professional: lead,
            });
        }
        let shared: Vec<FamilyId> = out.iter().map(|r| r.facts.id).collect();
        self.record_read(
            who,
            AuditEntry::new(
                Some(who.user),
                read.audit_action("claims.view", "claims.export"),
                "report",
                Some("claims".to_owned()),
            )
            .from_address(Some(address.to_owned()))
            .personal(format!("rows={}", out.len())),
            &shared,
            read,
        )
        .await?;
        Ok(out)
    }
}

impl Store {
    /// Audits that the keeper of the permit's family's plan printed the family's own copy:
    /// personal data leaving the system, though to the people it is about.
    pub async fn record_plan_printed(&self, permit: &Permit<RecordPlan>, address: &str) -> Result<(), StoreError> {
        self.audit_read(
            AuditEntry::new(
                Some(permit.principal().user),
                "plan.family_copy.export",
                "family",
                Some(permit.family().to_string()),
            )
            .from_address(Some(address.to_owned())),
        )
        .await
    }

    /// Records that the asker saw the permit's family (a home visit, at school, a call), for
    /// "who is involved"; checked by the domain, audited.
    pub async fn record_contact(
        &self,
        permit: &Permit<RecordPlan>,
        seen_on: Option<Date>,
        how: &str,
        address: &str,
    ) -> Result<(), PlanChangeError> {
        let (seen_on, kind) = domain::plan::contact(seen_on, how, self.clock.today()).map_err(PlanChangeError::Input)?;
        let who = permit.principal();
        let id = Uuid::now_v7();
        let now = self.now();
        write!(self, tx, kind_ => {
            sqlx::query(
                "INSERT INTO family_contacts (id, family_id, user_id, organisation_id, seen_on, how, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(permit.family().0)
            .bind(who.user.0)
            .bind(who.organisation.0)
            .bind(seen_on)
            .bind(kind.code())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            audit_append!(tx, self, AuditEntry::new(Some(who.user), "family.contact", "family", Some(permit.family().to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }
}
