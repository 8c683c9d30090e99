//! A stuck plan back at panel (issue 10; seed 001 §12: "if there are issues in establishing
//! the right services/team around the family … the case will return to the panel", raised with
//! the co-ordinator by the same deadline as any case and presented by the lead practitioner).
//!
//! One step for the lead professional: a "stuck case" referral is made for the family, carrying
//! its open plan, and put straight onto the next agenda of the panel that holds the case, whose
//! chairs are told. It skips screening because nothing new is shared: the panel already holds
//! the family and its plan, and the family's consent to panel discussion is checked by the
//! referral's state machine exactly as a chair's acceptance would check it. Who may bring a plan
//! back is the policy's [`MakeReferral`] decision for the [`Route::Stuck`] route.

use crate::audit::AuditEntry;
use crate::families::{NewSharingEntry, SharingDecision};
use crate::referrals::{Notice, ReferralWriteError, state_json};
use crate::{Store, StoreError};
use domain::plan::Progress;
use domain::referral::{NewReferral, PanelSlot, Referral, ReferralEvent, ReferralReason, Route};
use domain::{FamilyId, LocalityId, MeetingId, OrganisationId, PanelId, ReferralId, UserId};
use policy::{MakeReferral, Permit, ViewFamily};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Where a plan brought back now would be discussed: the next meeting of the panel holding the
/// case whose list has not yet gone to members.
#[derive(Debug, Clone)]
pub struct NextPanel {
    /// The panel.
    pub panel: PanelId,
    /// Its name.
    pub panel_name: String,
    /// The meeting.
    pub meeting: MeetingId,
    /// Its date.
    pub date: Date,
    /// The last day cases can join its list (the list goes to members then).
    pub circulate_by: Date,
}

/// What the lead professional's form says: what is stuck, and the plan and meeting it was
/// filled in against.
#[derive(Debug, Clone, Copy)]
pub struct StuckCase<'a> {
    /// What is stuck, and what they need from the panel.
    pub what_is_stuck: &'a ReferralReason,
    /// The plan's version when the form was read.
    pub plan_version: i64,
    /// The meeting the form said the plan would go to, if it said one.
    pub meeting_shown: Option<MeetingId>,
}

/// A stuck case open for a family's plan: what the plan page says instead of offering to bring
/// it back again.
#[derive(Debug, Clone)]
pub struct BackAtPanel {
    /// The stuck-case referral.
    pub referral: ReferralId,
    /// The panel.
    pub panel_name: String,
    /// The meeting it is on, and its date, once it is on an agenda.
    pub meeting: Option<(MeetingId, Date)>,
}

/// The plan attached to a stuck case, as the panel sees it beside the case.
#[derive(Debug, Clone)]
pub struct AttachedPlan {
    /// The family's plan (open it from the family's page).
    pub plan: Uuid,
    /// What the lead professional says is stuck and what they need from the panel (cleared
    /// when the case is discussed anonymously: it may name people).
    pub what_is_stuck: String,
    /// Its version when the lead professional brought it back.
    pub version_attached: i64,
    /// Whether it has changed since (a review recorded, a need added).
    pub changed_since: bool,
    /// When the panel opened it.
    pub opened_on: Date,
    /// The lead professional's name.
    pub lead_professional: Option<String>,
    /// Reviews held, and the latest one's date.
    pub reviews: (i64, Option<Date>),
    /// Its needs, oldest first: the outcome area, whom it concerns (cleared when the case is
    /// discussed anonymously), and the progress the latest review judged.
    pub needs: Vec<(String, Option<String>, Option<Progress>)>,
}

/// A stuck case `r` is still with the panel: waiting to be heard, not yet decided (a decision
/// closes it, or sends it to MASH).
const STILL_WITH_THE_PANEL: &str = "r.status IN ('awaiting_screening', 'accepted_for_panel')";

impl Store {
    /// The meeting a plan brought back today would go to: the next one of the panel holding the
    /// family's case (or, if none holds it, the panel whose decision opened the plan) that is
    /// still taking cases. `None` when the family has no open plan or the panel has no such
    /// meeting in its calendar.
    pub async fn next_panel_for_plan(&self, family: FamilyId) -> Result<Option<NextPanel>, StoreError> {
        let panel: Option<(Uuid, String)> = read!(self, db => sqlx::query_as(
            "SELECT pa.id, pa.name FROM plans p JOIN decisions d ON d.id = p.decision_id JOIN meetings m ON m.id = d.meeting_id \
             JOIN panels pa ON pa.id = COALESCE((SELECT fp.panel_id FROM family_panels fp WHERE fp.family_id = p.family_id \
             AND fp.until IS NULL LIMIT 1), m.panel_id) WHERE p.family_id = $1 AND p.closed_at IS NULL",
        )
        .bind(family.0)
        .fetch_optional(db)
        .await?);
        let Some((panel, panel_name)) = panel else {
            return Ok(None);
        };
        let panel = PanelId(panel);
        Ok(self
            .meetings_taking_cases(panel, 1)
            .await?
            .into_iter()
            .next()
            .map(|(meeting, date, circulate_by)| NextPanel {
                panel,
                panel_name: panel_name.clone(),
                meeting,
                date,
                circulate_by,
            }))
    }

    /// The stuck case open for the permit's family's open plan, if the lead professional has
    /// brought it back and the panel has not yet dealt with it. Read beside the plan, whose read
    /// is audited.
    pub async fn plan_back_at_panel(&self, permit: &Permit<ViewFamily>) -> Result<Option<BackAtPanel>, StoreError> {
        let row: Option<(Uuid, String, Option<Uuid>, Option<Date>)> = read!(self, db => sqlx::query_as(&format!(
            "SELECT r.id, pa.name, m.id, m.meeting_date FROM referrals r JOIN plans p ON p.id = r.plan_id \
             JOIN panels pa ON pa.id = r.panel_id LEFT JOIN meetings m ON m.id = r.meeting_id \
             WHERE p.family_id = $1 AND p.closed_at IS NULL AND {STILL_WITH_THE_PANEL} \
             ORDER BY r.created_at DESC LIMIT 1"
        ))
        .bind(permit.family().0)
        .fetch_optional(db)
        .await?);
        Ok(row.map(|(referral, panel_name, meeting, date)| BackAtPanel {
            referral: ReferralId(referral),
            panel_name,
            meeting: meeting.zip(date).map(|(m, d)| (MeetingId(m), d)),
        }))
    }

    /// Brings the permit's family's open plan back to panel in one step: a stuck-case referral
    /// with the plan attached, on the next agenda of the panel holding the case (see the module
    /// comment), shared with that panel's core members (written to the sharing log), its chairs
    /// told, audited. Refused with a message when the family has no open plan, the plan is
    /// already back at panel, the panel has no meeting still taking cases, the plan changed since
    /// the form was read (`plan_version`), or the family's consent no longer covers panel
    /// discussion. Returns the referral and the meeting's date.
    pub async fn bring_plan_to_panel(
        &self,
        permit: &Permit<MakeReferral>,
        case: &StuckCase<'_>,
        address: &str,
    ) -> Result<(ReferralId, Date), ReferralWriteError> {
        if permit.route() != Route::Stuck {
            return Err(StoreError::Corrupt("a plan is brought back to panel only as a stuck case".into()).into());
        }
        let who = permit.principal();
        self.put_stuck_plan_on_agenda((who.user, who.organisation), permit.family(), case, Some(address))
            .await
    }

    /// [`Store::bring_plan_to_panel`] once the policy has said `user` may: also how the demo
    /// county's lead professional brings one plan back.
    pub(crate) async fn put_stuck_plan_on_agenda(
        &self,
        (user, organisation): (UserId, OrganisationId),
        family: FamilyId,
        case: &StuckCase<'_>,
        address: Option<&str>,
    ) -> Result<(ReferralId, Date), ReferralWriteError> {
        let StuckCase {
            what_is_stuck,
            plan_version,
            meeting_shown,
        } = *case;
        let now = self.now();
        let today = self.clock.today();
        type PlanRow = (Uuid, i64, Uuid);
        let (plan, open_stuck): (Option<PlanRow>, Option<(Uuid,)>) = read!(self, db => {
            let plan = sqlx::query_as(
                "SELECT p.id, p.version, f.locality_id FROM plans p JOIN families f ON f.id = p.family_id \
                 WHERE p.family_id = $1 AND p.closed_at IS NULL",
            )
            .bind(family.0)
            .fetch_optional(db)
            .await?;
            let open_stuck = sqlx::query_as(&format!(
                "SELECT r.id FROM referrals r JOIN plans p ON p.id = r.plan_id WHERE p.family_id = $1 AND p.closed_at IS NULL \
                 AND {STILL_WITH_THE_PANEL} LIMIT 1"
            ))
            .bind(family.0)
            .fetch_optional(db)
            .await?;
            (plan, open_stuck)
        });
        let Some((plan, version, locality)) = plan else {
            return Err(ReferralWriteError::Input {
                field: "reason",
                message: "The family has no open plan to bring back to panel".to_owned(),
            });
        };
        if version != plan_version {
            return Err(ReferralWriteError::Stale);
        }
        if open_stuck.is_some() {
            return Err(ReferralWriteError::Input {
                field: "reason",
                message: "This plan is already back at panel; the panel will discuss it before it can be brought back again".to_owned(),
            });
        }
        let Some(next) = self.next_panel_for_plan(family).await? else {
            return Err(ReferralWriteError::Input {
                field: "reason",
                message: "The panel holding this case has no meeting in its calendar still taking cases; ask the panel’s business support to add one".to_owned(),
            });
        };
        // The form named a meeting; if its list has gone out since, say so rather than quietly
        // choosing the next one.
        if meeting_shown.is_some_and(|m| m != next.meeting) {
            return Err(ReferralWriteError::Input {
                field: "reason",
                message: format!(
                    "The list for the meeting shown has gone to members; the plan would now go to the meeting on {}. Send the form again to put it there",
                    domain::clock::long_date(next.date)
                ),
            });
        }
        let draft = Referral::draft(NewReferral {
            family,
            route: Route::Stuck,
            locality: LocalityId(locality),
            urgent: false,
            // A plan under way is the same episode of early help, not a re-referral.
            re_referral: false,
        });
        let (submitted, submit_entry) = draft.apply(ReferralEvent::Submit, now, user)?;
        let consent = self.consent_standing(family).await?;
        let (accepted, accept_entry) = submitted.apply(
            ReferralEvent::Accept {
                slot: PanelSlot::ProposedDate(next.date),
                consent: &consent,
            },
            now,
            user,
        )?;
        let sharing = NewSharingEntry {
            decision: SharingDecision::Shared,
            data_categories: "Stuck case: the family's plan and what is stuck".to_owned(),
            recipient_organisation: None,
            recipient_user: None,
            recipient_description: format!("Core members of {}", next.panel_name),
            purpose: "Discussion of a stuck plan at the early help panel holding the case".to_owned(),
            lawful_basis: "Consent".to_owned(),
            method: "earlyhelp referral".to_owned(),
            decided_on: today,
        };
        let id = accepted.id();
        let state = state_json(accepted.state())?;
        write!(self, tx, kind => {
            // Checked again inside the write, which holds the plan's row: two forms sent at
            // once make one stuck case, and a plan changed meanwhile is refused.
            let held = sqlx::query("UPDATE plans SET version = version WHERE id = $1 AND version = $2 AND closed_at IS NULL")
                .bind(plan)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if held == 0 {
                return Err(ReferralWriteError::Stale);
            }
            let again: Option<(Uuid,)> = sqlx::query_as(&format!(
                "SELECT r.id FROM referrals r WHERE r.plan_id = $1 AND {STILL_WITH_THE_PANEL} LIMIT 1"
            ))
            .bind(plan)
            .fetch_optional(&mut *tx)
            .await?;
            if again.is_some() {
                return Err(ReferralWriteError::Input {
                    field: "reason",
                    message: "This plan is already back at panel; the panel will discuss it before it can be brought back again".to_owned(),
                });
            }
            // The list may have gone out since the form was shown: then the plan waits.
            let status: Option<(String,)> = sqlx::query_as("SELECT status FROM meetings WHERE id = $1")
                .bind(next.meeting.0)
                .fetch_optional(&mut *tx)
                .await?;
            if status.as_ref().map(|(s,)| s.as_str()) != Some(domain::meeting::MeetingStatus::Planned.code()) {
                return Err(ReferralWriteError::Input {
                    field: "reason",
                    message: "The list for the panel’s next meeting has just gone to members; send the form again for the meeting after".to_owned(),
                });
            }
            sqlx::query(
                "INSERT INTO referrals (id, family_id, route, locality_id, urgent, re_referral, status, state, reason, referred_by, \
                 referrer_organisation_id, panel_id, meeting_date, plan_id, plan_version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, FALSE, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
            )
            .bind(id.0)
            .bind(family.0)
            .bind(Route::Stuck.code())
            .bind(locality)
            .bind(accepted.is_re_referral())
            .bind(accepted.state().code())
            .bind(&state)
            .bind(what_is_stuck.as_str())
            .bind(user.0)
            .bind(organisation.0)
            .bind(next.panel.0)
            .bind(next.date)
            .bind(plan)
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            insert_history!(tx, submit_entry, 1i64);
            insert_history!(tx, accept_entry, 2i64);
            place_on_agenda!(tx, id, next.meeting, family, Route::Stuck, user, now, today);
            insert_sharing!(tx, now, Uuid::now_v7(), Some(family), Some(user), &sharing, None);
            enqueue_notices!(tx, self, id, Some(Notice::StuckOnAgenda), user);
            audit_append!(tx, self, AuditEntry::new(Some(user), "plan.bring_back_to_panel", "referral", Some(id.to_string()))
                .from_address(address.map(str::to_owned)));
        });
        Ok((id, next.date))
    }

    /// The plans attached to the stuck cases on a meeting's agenda, by agenda item: read with
    /// the cases, whose read the caller audits.
    pub(crate) async fn plans_on(&self, meeting: MeetingId) -> Result<Vec<(Uuid, AttachedPlan)>, StoreError> {
        type Head = (Uuid, Uuid, String, i64, i64, OffsetDateTime, Option<String>, i64, Option<Date>);
        type NeedRow = (Uuid, String, Option<String>, Option<String>, Option<String>);
        let (heads, needs): (Vec<Head>, Vec<NeedRow>) = read!(self, db => {
            let heads = sqlx::query_as(
                "SELECT ai.id, p.id, r.reason, r.plan_version, p.version, p.opened_at, u.given_name || ' ' || u.family_name, \
                 (SELECT COUNT(*) FROM plan_reviews pr WHERE pr.plan_id = p.id), (SELECT MAX(pr.held_on) FROM plan_reviews pr WHERE pr.plan_id = p.id) \
                 FROM agenda_items ai JOIN referrals r ON r.id = ai.referral_id JOIN plans p ON p.id = r.plan_id \
                 LEFT JOIN users u ON u.id = p.lead_professional_id WHERE ai.meeting_id = $1 AND ai.removed_at IS NULL",
            )
            .bind(meeting.0)
            .fetch_all(db)
            .await?;
            let needs = sqlx::query_as(
                "SELECT n.plan_id, a.name, pe.given_name, pe.family_name, \
                 (SELECT np.progress FROM need_progress np JOIN plan_reviews pr ON pr.id = np.review_id WHERE np.need_id = n.id \
                  ORDER BY pr.held_on DESC LIMIT 1) \
                 FROM plan_needs n JOIN outcome_areas a ON a.code = n.area LEFT JOIN people pe ON pe.id = n.person_id \
                 WHERE n.plan_id IN (SELECT r.plan_id FROM agenda_items ai JOIN referrals r ON r.id = ai.referral_id \
                 WHERE ai.meeting_id = $1 AND ai.removed_at IS NULL) ORDER BY n.added_at, n.id",
            )
            .bind(meeting.0)
            .fetch_all(db)
            .await?;
            (heads, needs)
        });
        heads
            .into_iter()
            .map(|(item, plan, what_is_stuck, attached, current, opened_at, lead, reviews, last)| {
                let needs = needs
                    .iter()
                    .filter(|n| n.0 == plan)
                    .map(|(_, area, given, family_name, progress)| {
                        let concerns = given.as_ref().zip(family_name.as_ref()).map(|(g, f)| format!("{g} {f}"));
                        let progress = progress
                            .as_deref()
                            .map(|c| Progress::from_code(c).ok_or_else(|| StoreError::Corrupt(format!("need progress {c}"))))
                            .transpose()?;
                        Ok((area.clone(), concerns, progress))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                Ok((
                    item,
                    AttachedPlan {
                        plan,
                        what_is_stuck,
                        version_attached: attached,
                        changed_since: attached != current,
                        opened_on: domain::clock::london_date(opened_at),
                        lead_professional: lead,
                        reviews: (reviews, last),
                        needs,
                    },
                ))
            })
            .collect()
    }
}

/// What the demo's lead professional says is stuck.
const DEMO_STUCK: &str = "The Team Around the Family has met and the plan is stuck: the housing support offered has not started \
     and the family's rent arrears are growing. We need the panel to help us get Northmere Homes involved.";

impl Store {
    /// For the demo county: a lead professional brings an open plan back to panel, as they
    /// could on the plan page, so the demo has a stuck case with its plan attached on an agenda
    /// still to come: one the demo's lead professional leads if any, otherwise one held by a
    /// panel the demo's chair chairs, otherwise any. Nothing happens when no plan is open or
    /// its panel has no meeting taking cases (the demo still loads).
    pub(crate) async fn bring_back_a_demo_plan(&self, lead: Option<UserId>, chair: Option<UserId>) -> Result<(), StoreError> {
        let plan: Option<(Uuid, i64, Uuid, Uuid)> = read!(self, db => sqlx::query_as(
            "SELECT p.family_id, p.version, u.id, u.organisation_id FROM plans p JOIN users u ON u.id = p.lead_professional_id \
             LEFT JOIN family_panels fp ON fp.family_id = p.family_id AND fp.until IS NULL WHERE p.closed_at IS NULL \
             ORDER BY CASE WHEN u.id = $1 THEN 0 WHEN EXISTS (SELECT 1 FROM panel_chairs pc WHERE pc.panel_id = fp.panel_id \
             AND pc.user_id = $2) THEN 1 ELSE 2 END, p.opened_at, p.id LIMIT 1",
        )
        .bind(lead.map(|u| u.0))
        .bind(chair.map(|u| u.0))
        .fetch_optional(db)
        .await?);
        let Some((family, version, by, organisation)) = plan else {
            return Ok(());
        };
        let reason = ReferralReason::parse(DEMO_STUCK).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        match self
            .put_stuck_plan_on_agenda(
                (UserId(by), OrganisationId(organisation)),
                FamilyId(family),
                &StuckCase {
                    what_is_stuck: &reason,
                    plan_version: version,
                    meeting_shown: None,
                },
                None,
            )
            .await
        {
            Ok(_) | Err(ReferralWriteError::Input { .. } | ReferralWriteError::Refused(_) | ReferralWriteError::Stale) => Ok(()),
            Err(ReferralWriteError::Store(e)) => Err(e),
        }
    }
}

/// A stuck plan on the agenda of a panel the reader chairs, for their home page.
#[derive(Debug, Clone)]
pub struct StuckOnAgenda {
    /// The family.
    pub family: FamilyId,
    /// Its address line.
    pub address_line: String,
    /// The panel.
    pub panel_name: String,
    /// The meeting and its date.
    pub meeting: (MeetingId, Date),
}

impl Store {
    /// The stuck plans brought back onto the agendas still to come of the panels `chair`
    /// chairs, soonest first. The caller confirms each family with the policy before showing it.
    pub async fn stuck_plans_for_chair(&self, chair: UserId) -> Result<Vec<StuckOnAgenda>, StoreError> {
        let rows: Vec<(Uuid, String, String, Uuid, Date)> = read!(self, db => sqlx::query_as(
            "SELECT f.id, f.address_line, pa.name, m.id, m.meeting_date FROM referrals r JOIN families f ON f.id = r.family_id \
             JOIN meetings m ON m.id = r.meeting_id JOIN panels pa ON pa.id = m.panel_id \
             JOIN panel_chairs pc ON pc.panel_id = m.panel_id AND pc.user_id = $1 \
             WHERE r.plan_id IS NOT NULL AND r.status = 'accepted_for_panel' AND m.meeting_date >= $2 AND m.status <> 'cancelled' \
             AND EXISTS (SELECT 1 FROM agenda_items ai WHERE ai.referral_id = r.id AND ai.meeting_id = m.id AND ai.removed_at IS NULL) \
             ORDER BY m.meeting_date, f.address_line LIMIT 50",
        )
        .bind(chair.0)
        .bind(self.clock.today())
        .fetch_all(db)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(family, address_line, panel_name, meeting, date)| StuckOnAgenda {
                family: FamilyId(family),
                address_line,
                panel_name,
                meeting: (MeetingId(meeting), date),
            })
            .collect())
    }
}
