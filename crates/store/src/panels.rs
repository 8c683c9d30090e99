//! Panels as configured: cadence, venue, chairs, business support and membership; setting one
//! up and changing it, and who chairs each of its meetings.
//!
//! A change of cadence is the one change here that reaches into meetings: in the same
//! transaction as the panel, its planned meetings off the new cadence are cancelled the way
//! business support cancels a meeting (`cancel_with_cases!` in [`crate::meetings`]), so their
//! cases move to the next meeting and their leads are told; circulated meetings never change.

use crate::audit::AuditEntry;
use crate::error::parse_code;
use crate::meetings::{AgendaItemId, INSERT_PLANNED_MEETING, RULE_COLUMNS, dates_to_plan, planning_horizon, rules_from};
use crate::referrals::Notice;
use crate::{Store, StoreError};
use domain::meeting::{DeadlineRules, MeetingStatus};
use domain::panel::{Cadence, Membership, PanelKind};
use domain::panel_config::{PanelConfiguration, PanelField, PanelProblem, PanelProblems};
use domain::{LocalityId, MeetingId, OrganisationId, PanelId, ReferralId, UserId};
use policy::{ChangeMeetingChair, ManagePanels, Permit, ViewMeeting, ViewPanels};
use std::collections::BTreeSet;
use time::{Date, Time};
use uuid::Uuid;

/// Writes a configuration's chairs (in turn order) and member seats for
/// `$panel` inside a write transaction, after the old ones were deleted.
macro_rules! write_seats {
    ($tx:ident, $panel:expr, $config:expr) => {{
        let panel: PanelId = $panel;
        let config: &PanelConfiguration = $config;
        for (turn, chair) in config.chairs().iter().enumerate() {
            sqlx::query("INSERT INTO panel_chairs (panel_id, user_id, turn) VALUES ($1, $2, $3)")
                .bind(panel.0)
                .bind(chair.0)
                .bind(i64::try_from(turn).unwrap_or(i64::MAX))
                .execute(&mut *$tx)
                .await?;
        }
        for seat in config.members() {
            sqlx::query(
                "INSERT INTO panel_members (panel_id, organisation_id, user_id, membership, secure_email) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(panel.0)
            .bind(seat.organisation.0)
            .bind(seat.representative.map(|u| u.0))
            .bind(seat.membership.code())
            .bind(seat.secure_email.as_ref().map(|e| e.as_str().to_owned()))
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// A panel with the names people need to see.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSummary {
    /// Its id.
    pub id: PanelId,
    /// Its name.
    pub name: String,
    /// What kind of meeting it is.
    pub kind: PanelKind,
    /// The locality it serves.
    pub locality_name: String,
    /// How often it meets.
    pub cadence: Cadence,
    /// Start time.
    pub starts_at: Time,
    /// End time.
    pub ends_at: Time,
    /// Where it meets.
    pub venue: String,
    /// Chairs, in the order they take turns.
    pub chairs: Vec<(UserId, String)>,
    /// The business support officer.
    pub business_support: (UserId, String),
    /// Member organisations and, where named, their representative.
    pub members: Vec<PanelMemberSummary>,
    /// Statement read out at the start of each meeting.
    pub conflict_of_interest_statement: String,
}

/// One member organisation of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelMemberSummary {
    /// The organisation.
    pub organisation_id: OrganisationId,
    /// Its name.
    pub organisation_name: String,
    /// The named representative, if any.
    pub representative: Option<String>,
    /// Core or extended.
    pub membership: Membership,
}

/// (panel, user, given name, family name)
type ChairRow = (Uuid, Uuid, String, String);
/// (panel, organisation, organisation name, given name, family name, membership)
type MemberRow = (Uuid, Uuid, String, Option<String>, Option<String>, String);

#[derive(sqlx::FromRow)]
struct PanelRow {
    id: Uuid,
    name: String,
    kind: String,
    locality_name: String,
    cadence: String,
    starts_at: Time,
    ends_at: Time,
    venue: String,
    bs_id: Uuid,
    bs_given: String,
    bs_family: String,
    conflict_of_interest_statement: String,
}

impl Store {
    /// Every panel with its chairs and members, by name.
    pub async fn list_panels(&self, _permit: &Permit<ViewPanels>) -> Result<Vec<PanelSummary>, StoreError> {
        let (rows, chairs, members): (Vec<PanelRow>, Vec<ChairRow>, Vec<MemberRow>) = read!(self, db => {
            let rows = sqlx::query_as(
                "SELECT p.id, p.name, p.kind, l.name AS locality_name, p.cadence, p.starts_at, p.ends_at, p.venue, \
                 u.id AS bs_id, u.given_name AS bs_given, u.family_name AS bs_family, p.conflict_of_interest_statement \
                 FROM panels p JOIN localities l ON l.id = p.locality_id JOIN users u ON u.id = p.business_support_user_id \
                 ORDER BY p.name",
            )
            .fetch_all(db)
            .await?;
            let chairs = sqlx::query_as(
                "SELECT c.panel_id, u.id, u.given_name, u.family_name FROM panel_chairs c JOIN users u ON u.id = c.user_id \
                 ORDER BY c.panel_id, c.turn",
            )
            .fetch_all(db)
            .await?;
            let members = sqlx::query_as(
                "SELECT m.panel_id, o.id, o.name, u.given_name, u.family_name, m.membership FROM panel_members m \
                 JOIN organisations o ON o.id = m.organisation_id LEFT JOIN users u ON u.id = m.user_id \
                 ORDER BY m.panel_id, m.membership, o.name",
            )
            .fetch_all(db)
            .await?;
            (rows, chairs, members)
        });
        rows.into_iter()
            .map(|r| {
                let cadence: Cadence = serde_json::from_str(&r.cadence).map_err(|e| StoreError::Corrupt(format!("cadence: {e}")))?;
                let members = members
                    .iter()
                    .filter(|m| m.0 == r.id)
                    .map(|(_, org, org_name, given, family, membership)| {
                        Ok(PanelMemberSummary {
                            organisation_id: OrganisationId(*org),
                            organisation_name: org_name.clone(),
                            representative: given.as_ref().zip(family.as_ref()).map(|(g, f)| format!("{g} {f}")),
                            membership: Membership::from_code(membership)
                                .ok_or_else(|| StoreError::Corrupt(format!("membership {membership}")))?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                Ok(PanelSummary {
                    id: PanelId(r.id),
                    kind: parse_code(&r.kind, "panel kind")?,
                    name: r.name,
                    locality_name: r.locality_name,
                    cadence,
                    starts_at: r.starts_at,
                    ends_at: r.ends_at,
                    venue: r.venue,
                    chairs: chairs
                        .iter()
                        .filter(|c| c.0 == r.id)
                        .map(|c| (UserId(c.1), format!("{} {}", c.2, c.3)))
                        .collect(),
                    business_support: (UserId(r.bs_id), format!("{} {}", r.bs_given, r.bs_family)),
                    members,
                    conflict_of_interest_statement: r.conflict_of_interest_statement,
                })
            })
            .collect()
    }
}

/// Someone who can be chosen on the panel form: an active member of staff of a current
/// signatory of the Information Sharing Agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffChoice {
    /// Their account.
    pub id: UserId,
    /// "Given Family".
    pub name: String,
    /// Their organisation's name.
    pub organisation_name: String,
}

/// An organisation that can sit on a panel: a current signatory, with the staff who could
/// represent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationChoice {
    /// The organisation.
    pub id: OrganisationId,
    /// Its name.
    pub name: String,
    /// The domain its secure e-mail comes from; a secure mailbox must be on it.
    pub secure_email_domain: String,
    /// Its active staff, who may be named as its representative.
    pub staff: Vec<StaffChoice>,
    /// Whether its agreement is current; a member whose agreement lapsed keeps its seat but
    /// receives nothing until it renews, and no new seat is given without a current one.
    pub current: bool,
}

/// Everything the panel form offers to choose from. Only current signatories' active staff are
/// offered, and [`Store::create_panel`] and [`Store::update_panel`] check the same again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelChoices {
    /// Every locality, by name.
    pub localities: Vec<(LocalityId, String)>,
    /// Staff holding the panel chair role.
    pub chairs: Vec<StaffChoice>,
    /// Staff holding the business support role.
    pub business_support: Vec<StaffChoice>,
    /// Organisations that may sit on a panel.
    pub organisations: Vec<OrganisationChoice>,
}

/// A panel as stored, for the edit form to start from: the values, not yet a checked
/// configuration (a list of dates may since have passed).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPanel {
    /// Its id.
    pub id: PanelId,
    /// For optimistic locking of the edit.
    pub version: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: PanelKind,
    /// Locality.
    pub locality: LocalityId,
    /// Cadence.
    pub cadence: Cadence,
    /// Start time.
    pub starts_at: Time,
    /// End time.
    pub ends_at: Time,
    /// Venue, or "Online".
    pub venue: String,
    /// Chairs in turn order.
    pub chairs: Vec<UserId>,
    /// Business support.
    pub business_support: UserId,
    /// Seats: (organisation, membership, representative, secure mailbox).
    pub members: Vec<(OrganisationId, Membership, Option<UserId>, Option<String>)>,
    /// Conflict-of-interest statement.
    pub conflict_of_interest_statement: String,
    /// Deadline rules.
    pub rules: DeadlineRules,
}

/// What saving a panel did to its meetings, for the page to say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanelSaved {
    /// The panel.
    pub id: PanelId,
    /// Planned meetings added for the new cadence (or brought back, when an earlier change of
    /// cadence had cancelled them).
    pub added: usize,
    /// Planned meetings cancelled because they are off the new cadence.
    pub cancelled: usize,
    /// Cases moved from those to the next meeting.
    pub cases_moved: usize,
}

/// Why a panel could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum PanelWriteError {
    /// The configuration does not hold together, or names people or organisations that cannot
    /// take part; each problem is tied to its field.
    #[error(transparent)]
    Invalid(#[from] PanelProblems),
    /// Someone else changed the panel since the form was opened.
    #[error("someone else changed this panel")]
    Stale,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PanelWriteError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

fn invalid(field: PanelField, message: impl Into<String>) -> PanelWriteError {
    PanelWriteError::Invalid(PanelProblems(vec![PanelProblem {
        field,
        message: message.into(),
    }]))
}

/// Why the chair of one meeting could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum ChairChangeError {
    /// The person chosen is not one of the panel's chairs.
    #[error("Choose one of the panel’s chairs")]
    NotAChair,
    /// The meeting was cancelled or has taken place.
    #[error(transparent)]
    Refused(#[from] domain::meeting::MeetingRefused),
    /// Someone else changed the meeting since the page was opened.
    #[error("someone else changed this meeting")]
    Stale,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ChairChangeError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

/// The chair of one meeting, and who else could chair it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingChair {
    /// Who chairs it, if anyone is set.
    pub chair: Option<(UserId, String)>,
    /// The panel's chairs in turn order: whom business support can swap in.
    pub panel_chairs: Vec<(UserId, String)>,
}

/// (user, given, family, organisation name, organisation id, is chair, is business support)
type StaffRow = (Uuid, String, String, String, Uuid, bool, bool);

/// (organisation, name, secure e-mail domain, agreement current)
type OrgRow = (Uuid, String, String, bool);

/// `$1` today, `$2` the panel being edited (or NULL): the organisations that may have a seat,
/// current signatories and the panel's own members, with whether their agreement is current.
const SEATABLE: &str = "SELECT o.id, o.name, o.secure_email_domain, \
     (o.isa_state = 'signed' AND (o.isa_review_due IS NULL OR o.isa_review_due >= $1)) FROM organisations o \
     WHERE (o.isa_state = 'signed' AND (o.isa_review_due IS NULL OR o.isa_review_due >= $1)) \
        OR o.id IN (SELECT pm.organisation_id FROM panel_members pm WHERE pm.panel_id = $2)";
/// (user, given name, family name)
type NameRow = (Uuid, String, String);

/// `$1` today: active staff of current signatories, with whether they hold each panel role.
const ELIGIBLE_STAFF: &str = "SELECT u.id, u.given_name, u.family_name, o.name, o.id, \
     EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'panel_chair'), \
     EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'business_support') \
     FROM users u JOIN organisations o ON o.id = u.organisation_id \
     WHERE u.active AND o.isa_state = 'signed' AND (o.isa_review_due IS NULL OR o.isa_review_due >= $1) \
     ORDER BY u.family_name, u.given_name, u.id";

impl Store {
    /// What the panel form offers: localities, chairs, business-support officers and the
    /// organisations that may sit on a panel, each with its staff. When editing `panel`, its
    /// member organisations are offered too even if their agreement is no longer current, so
    /// an edit never drops a seat unseen (such a member receives nothing until it renews).
    pub async fn panel_choices(&self, _permit: &Permit<ManagePanels>, panel: Option<PanelId>) -> Result<PanelChoices, StoreError> {
        let today = self.clock.today();
        let (localities, staff, orgs): (Vec<(Uuid, String)>, Vec<StaffRow>, Vec<OrgRow>) = read!(self, db => {
            let localities = sqlx::query_as("SELECT id, name FROM localities ORDER BY name").fetch_all(db).await?;
            let staff = sqlx::query_as(ELIGIBLE_STAFF).bind(today).fetch_all(db).await?;
            let orgs = sqlx::query_as(&format!("{SEATABLE} ORDER BY o.name"))
                .bind(today)
                .bind(panel.map(|p| p.0))
                .fetch_all(db)
                .await?;
            (localities, staff, orgs)
        });
        let choice = |r: &StaffRow| StaffChoice {
            id: UserId(r.0),
            name: format!("{} {}", r.1, r.2),
            organisation_name: r.3.clone(),
        };
        Ok(PanelChoices {
            localities: localities.into_iter().map(|(id, name)| (LocalityId(id), name)).collect(),
            chairs: staff.iter().filter(|r| r.5).map(choice).collect(),
            business_support: staff.iter().filter(|r| r.6).map(choice).collect(),
            organisations: orgs
                .into_iter()
                .map(|(id, name, domain, current)| OrganisationChoice {
                    id: OrganisationId(id),
                    staff: staff.iter().filter(|r| r.4 == id).map(choice).collect(),
                    name,
                    secure_email_domain: domain,
                    current,
                })
                .collect(),
        })
    }

    /// One panel as stored, for its edit form.
    pub async fn stored_panel(&self, _permit: &Permit<ManagePanels>, id: PanelId) -> Result<Option<StoredPanel>, StoreError> {
        type Row = (
            i64,
            String,
            String,
            Uuid,
            String,
            Time,
            Time,
            String,
            Uuid,
            String,
            i64,
            i64,
            i64,
            i64,
        );
        type Seat = (Uuid, String, Option<Uuid>, Option<String>);
        let loaded: Option<(Row, Vec<(Uuid,)>, Vec<Seat>)> = read!(self, db => {
            let row: Option<Row> = sqlx::query_as(&format!(
                "SELECT p.version, p.name, p.kind, p.locality_id, p.cadence, p.starts_at, p.ends_at, p.venue, \
                 p.business_support_user_id, p.conflict_of_interest_statement, {RULE_COLUMNS} FROM panels p WHERE p.id = $1"
            ))
            .bind(id.0)
            .fetch_optional(db)
            .await?;
            match row {
                None => None,
                Some(row) => {
                    let chairs = sqlx::query_as("SELECT user_id FROM panel_chairs WHERE panel_id = $1 ORDER BY turn, user_id")
                        .bind(id.0)
                        .fetch_all(db)
                        .await?;
                    let seats = sqlx::query_as(
                        "SELECT m.organisation_id, m.membership, m.user_id, m.secure_email FROM panel_members m \
                         JOIN organisations o ON o.id = m.organisation_id WHERE m.panel_id = $1 ORDER BY o.name",
                    )
                    .bind(id.0)
                    .fetch_all(db)
                    .await?;
                    Some((row, chairs, seats))
                }
            }
        });
        let Some((r, chairs, seats)) = loaded else {
            return Ok(None);
        };
        Ok(Some(StoredPanel {
            id,
            version: r.0,
            name: r.1,
            kind: parse_code(&r.2, "panel kind")?,
            locality: LocalityId(r.3),
            cadence: serde_json::from_str(&r.4).map_err(|e| StoreError::Corrupt(format!("cadence: {e}")))?,
            starts_at: r.5,
            ends_at: r.6,
            venue: r.7,
            business_support: UserId(r.8),
            conflict_of_interest_statement: r.9,
            rules: rules_from(r.10, r.11, r.12, r.13),
            chairs: chairs.into_iter().map(|(c,)| UserId(c)).collect(),
            members: seats
                .into_iter()
                .map(|(org, membership, user, mailbox)| {
                    Ok((
                        OrganisationId(org),
                        Membership::from_code(&membership).ok_or_else(|| StoreError::Corrupt(format!("membership {membership}")))?,
                        user.map(UserId),
                        mailbox,
                    ))
                })
                .collect::<Result<_, StoreError>>()?,
        }))
    }

    /// What only the store can check about a configuration: the locality exists; each chair
    /// holds the panel chair role and business support the business support role, as active
    /// staff of current signatories; each member organisation is a current signatory, its
    /// representative works there, and its secure mailbox is on its secure e-mail domain.
    async fn check_panel_people(&self, config: &PanelConfiguration, panel: Option<PanelId>) -> Result<(), PanelWriteError> {
        let today = self.clock.today();
        let (staff, orgs, locality): (Vec<StaffRow>, Vec<OrgRow>, Option<(Uuid,)>) = read!(self, db => {
            let staff = sqlx::query_as(ELIGIBLE_STAFF).bind(today).fetch_all(db).await?;
            let orgs = sqlx::query_as(SEATABLE).bind(today).bind(panel.map(|p| p.0)).fetch_all(db).await?;
            let locality = sqlx::query_as("SELECT id FROM localities WHERE id = $1").bind(config.locality().0).fetch_optional(db).await?;
            (staff, orgs, locality)
        });
        let mut problems = Vec::new();
        let mut problem = |field, message: String| problems.push(PanelProblem { field, message });
        if locality.is_none() {
            problem(PanelField::Locality, "Select the locality the panel serves".into());
        }
        let find = |u: UserId| staff.iter().find(|r| r.0 == u.0);
        if config.chairs().iter().any(|c| !find(*c).is_some_and(|r| r.5)) {
            problem(
                PanelField::Chairs,
                "Each chair must hold the panel chair role, with an active account at an organisation that has signed the Information Sharing Agreement".into(),
            );
        }
        if !find(config.business_support()).is_some_and(|r| r.6) {
            problem(
                PanelField::BusinessSupport,
                "The business-support officer must hold the business support role, with an active account at an organisation that has signed the Information Sharing Agreement".into(),
            );
        }
        for seat in config.members() {
            let Some((_, name, domain, _)) = orgs.iter().find(|o| o.0 == seat.organisation.0) else {
                problem(
                    PanelField::Members,
                    "Only organisations that are current signatories of the Information Sharing Agreement can sit on a panel".into(),
                );
                continue;
            };
            if let Some(rep) = seat.representative
                && find(rep).is_none_or(|r| r.4 != seat.organisation.0)
            {
                problem(
                    PanelField::Members,
                    format!("The representative named for {name} must be one of its active staff"),
                );
            }
            if let Some(mailbox) = &seat.secure_email
                && !mailbox.is_on_domain(domain)
            {
                problem(
                    PanelField::Members,
                    format!("{name}’s secure mailbox must be on its secure email domain, {domain}"),
                );
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(PanelProblems(problems).into())
        }
    }

    /// Sets a new panel up: the panel, its chairs and members and the audit entry in one
    /// transaction, then its meetings for the year ahead from its cadence.
    pub async fn create_panel(
        &self,
        permit: &Permit<ManagePanels>,
        config: &PanelConfiguration,
        address: &str,
    ) -> Result<PanelSaved, PanelWriteError> {
        self.check_panel_people(config, None).await?;
        let who = permit.principal().user;
        let id = PanelId(Uuid::now_v7());
        let now = self.now();
        write!(self, tx, kind => {
            let inserted = sqlx::query(
                "INSERT INTO panels (id, name, kind, locality_id, cadence, starts_at, ends_at, venue, business_support_user_id, \
                 conflict_of_interest_statement, list_to_members_working_days, notes_to_business_support_working_days, \
                 notes_to_members_days, step_up_hours, version, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15)",
            )
            .bind(id.0)
            .bind(config.name())
            .bind(config.kind().code())
            .bind(config.locality().0)
            .bind(cadence_json(config.cadence())?)
            .bind(config.starts_at())
            .bind(config.ends_at())
            .bind(config.venue().as_str())
            .bind(config.business_support().0)
            .bind(config.conflict_of_interest_statement())
            .bind(i64::from(config.rules().list_to_members_working_days))
            .bind(i64::from(config.rules().notes_to_business_support_working_days))
            .bind(i64::from(config.rules().notes_to_members_days))
            .bind(i64::from(config.rules().step_up_hours))
            .bind(now)
            .execute(&mut *tx)
            .await;
            if let Err(e) = inserted {
                return Err(duplicate_name(e));
            }
            write_seats!(tx, id, config);
            audit_append!(tx, self, AuditEntry::new(Some(who), "panel.create", "panel", Some(id.to_string()))
                .from_address(Some(address.to_owned())));
        });
        let added = self.plan_meetings(planning_horizon(self.clock.today())).await?;
        Ok(PanelSaved {
            id,
            added,
            cancelled: 0,
            cases_moved: 0,
        })
    }

    /// Changes a panel, refusing a stale form. In one transaction with the change and its audit
    /// entry: meetings the new cadence asks for are added (or brought back, if an earlier change
    /// of cadence cancelled them); every planned meeting from tomorrow
    /// on that the new cadence no longer holds is cancelled the one way meetings are cancelled
    /// (its cases move to the next meeting still taking cases, their leads told); the other
    /// planned meetings take the new times, venue and circulation day; and, if the chairs
    /// changed, planned meetings get their chair by turn again. A meeting whose list has gone
    /// to members is never changed.
    pub async fn update_panel(
        &self,
        permit: &Permit<ManagePanels>,
        id: PanelId,
        config: &PanelConfiguration,
        version: i64,
        address: &str,
    ) -> Result<PanelSaved, PanelWriteError> {
        self.check_panel_people(config, Some(id)).await?;
        let who = permit.principal().user;
        let today = self.clock.today();
        let calendar = self.working_calendar().await?;
        let rules = config.rules();
        let now = self.now();
        let horizon = planning_horizon(today);
        let saved = write!(self, tx, kind => {
            let updated = sqlx::query(
                "UPDATE panels SET name = $1, kind = $2, locality_id = $3, cadence = $4, starts_at = $5, ends_at = $6, venue = $7, \
                 business_support_user_id = $8, conflict_of_interest_statement = $9, list_to_members_working_days = $10, \
                 notes_to_business_support_working_days = $11, notes_to_members_days = $12, step_up_hours = $13, version = version + 1 \
                 WHERE id = $14 AND version = $15",
            )
            .bind(config.name())
            .bind(config.kind().code())
            .bind(config.locality().0)
            .bind(cadence_json(config.cadence())?)
            .bind(config.starts_at())
            .bind(config.ends_at())
            .bind(config.venue().as_str())
            .bind(config.business_support().0)
            .bind(config.conflict_of_interest_statement())
            .bind(i64::from(rules.list_to_members_working_days))
            .bind(i64::from(rules.notes_to_business_support_working_days))
            .bind(i64::from(rules.notes_to_members_days))
            .bind(i64::from(rules.step_up_hours))
            .bind(id.0)
            .bind(version)
            .execute(&mut *tx)
            .await;
            match updated {
                Err(e) => return Err(duplicate_name(e)),
                Ok(r) if r.rows_affected() == 0 => {
                    let exists: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM panels WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?;
                    return Err(if exists.is_some() { PanelWriteError::Stale } else { StoreError::NotFound("panel").into() });
                }
                Ok(_) => {}
            }
            let old_chairs: Vec<(Uuid,)> = sqlx::query_as("SELECT user_id FROM panel_chairs WHERE panel_id = $1 ORDER BY turn, user_id")
                .bind(id.0)
                .fetch_all(&mut *tx)
                .await?;
            let chairs_changed = old_chairs.iter().map(|(c,)| *c).ne(config.chairs().iter().map(|c| c.0));
            sqlx::query("DELETE FROM panel_chairs WHERE panel_id = $1").bind(id.0).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM panel_members WHERE panel_id = $1").bind(id.0).execute(&mut *tx).await?;
            write_seats!(tx, id, config);

            // The new cadence's meetings first, so the cases of cancelled ones have somewhere to go.
            // A meeting an earlier change of cadence cancelled comes back if the cadence asks for
            // its date again (its cadence date is taken, so it could not be generated anew);
            // one business support cancelled stays cancelled.
            let asked: BTreeSet<Date> = config.cadence().dates_between(today, horizon).into_iter().collect();
            let off_cadence: Vec<(Uuid, Date, Date)> = sqlx::query_as(
                "SELECT id, scheduled_for, meeting_date FROM meetings WHERE panel_id = $1 AND status = 'cancelled' \
                 AND cancel_reason = $2 AND meeting_date > $3",
            )
            .bind(id.0)
            .bind(CADENCE_CHANGED)
            .bind(today)
            .fetch_all(&mut *tx)
            .await?;
            let mut added = 0;
            for (meeting, _, meeting_date) in off_cadence.into_iter().filter(|m| asked.contains(&m.1)) {
                let Ok(circulate_by) = rules.circulate_by(&calendar, meeting_date) else {
                    continue;
                };
                sqlx::query(
                    "UPDATE meetings SET status = 'planned', cancelled_at = NULL, cancelled_by = NULL, cancel_reason = NULL, \
                     starts_at = $1, ends_at = $2, venue = $3, circulate_by = $4, chair_id = NULL WHERE id = $5",
                )
                .bind(config.starts_at())
                .bind(config.ends_at())
                .bind(config.venue().as_str())
                .bind(circulate_by)
                .bind(meeting)
                .execute(&mut *tx)
                .await?;
                added += 1;
            }
            let generated: Vec<(Date,)> = sqlx::query_as("SELECT scheduled_for FROM meetings WHERE panel_id = $1 AND scheduled_for >= $2")
                .bind(id.0)
                .bind(today)
                .fetch_all(&mut *tx)
                .await?;
            let generated: BTreeSet<Date> = generated.into_iter().map(|(d,)| d).collect();
            for (date, circulate_by) in dates_to_plan(config.cadence(), &rules, &calendar, today, horizon, &generated) {
                added += sqlx::query(INSERT_PLANNED_MEETING)
                    .bind(Uuid::now_v7())
                    .bind(id.0)
                    .bind(date)
                    .bind(config.starts_at())
                    .bind(config.ends_at())
                    .bind(config.venue().as_str())
                    .bind(circulate_by)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected() as usize;
            }

            // Latest first, so a case moves once, to a meeting that stays.
            let planned: Vec<(Uuid, Date, Date)> = sqlx::query_as(
                "SELECT id, scheduled_for, meeting_date FROM meetings WHERE panel_id = $1 AND status = 'planned' AND meeting_date > $2 \
                 ORDER BY meeting_date DESC, id DESC",
            )
            .bind(id.0)
            .bind(today)
            .fetch_all(&mut *tx)
            .await?;
            // A meeting moved to a later day keeps the cadence date it was generated for, which
            // may be before today: the new cadence is asked from the earliest of those.
            let from = planned.iter().map(|m| m.1).min().unwrap_or(today).min(today);
            let on_cadence: BTreeSet<Date> = config.cadence().dates_between(from, horizon).into_iter().collect();
            let (mut cancelled, mut cases_moved) = (0, 0);
            for (meeting, scheduled_for, meeting_date) in &planned {
                if on_cadence.contains(scheduled_for) {
                    let circulate_by = rules
                        .circulate_by(&calendar, *meeting_date)
                        .map_err(|_| invalid(PanelField::Cadence, "A meeting date is too far away to count its deadlines"))?;
                    sqlx::query("UPDATE meetings SET starts_at = $1, ends_at = $2, venue = $3, circulate_by = $4 WHERE id = $5 AND status = 'planned'")
                        .bind(config.starts_at())
                        .bind(config.ends_at())
                        .bind(config.venue().as_str())
                        .bind(circulate_by)
                        .bind(meeting)
                        .execute(&mut *tx)
                        .await?;
                    continue;
                }
                let m = MeetingId(*meeting);
                let Some(moved) = cancel_with_cases!(tx, self, m, CADENCE_CHANGED, who, now) else {
                    return Err(invalid(
                        PanelField::Cadence,
                        format!(
                            "The meeting on {} {} has cases on its agenda and the new cadence has no later meeting to take them; add a later date",
                            meeting_date.weekday(),
                            domain::clock::long_date(*meeting_date)
                        ),
                    ));
                };
                cancelled += 1;
                cases_moved += moved;
            }
            assign_chairs_by_turn!(tx, id.0, today, chairs_changed);
            audit_append!(tx, self, AuditEntry::new(Some(who), "panel.update", "panel", Some(id.to_string()))
                .from_address(Some(address.to_owned()))
                .personal(format!("added={added};cancelled={cancelled};cases_moved={cases_moved}")));
            PanelSaved { id, added, cancelled, cases_moved }
        });
        Ok(saved)
    }

    /// Who chairs one meeting, and the panel's chairs business support could swap in.
    pub async fn meeting_chair(&self, permit: &Permit<ViewMeeting>) -> Result<MeetingChair, StoreError> {
        let (chairs, chair): (Vec<NameRow>, Option<NameRow>) = read!(self, db => {
            let chairs = sqlx::query_as(
                "SELECT u.id, u.given_name, u.family_name FROM meetings m JOIN panel_chairs c ON c.panel_id = m.panel_id \
                 JOIN users u ON u.id = c.user_id WHERE m.id = $1 ORDER BY c.turn, u.id",
            )
            .bind(permit.meeting().0)
            .fetch_all(db)
            .await?;
            let chair = sqlx::query_as(
                "SELECT u.id, u.given_name, u.family_name FROM meetings m JOIN users u ON u.id = m.chair_id WHERE m.id = $1",
            )
            .bind(permit.meeting().0)
            .fetch_optional(db)
            .await?;
            (chairs, chair)
        });
        let named = |(id, given, family): (Uuid, String, String)| (UserId(id), format!("{given} {family}"));
        Ok(MeetingChair {
            chair: chair.map(named),
            panel_chairs: chairs.into_iter().map(named).collect(),
        })
    }

    /// Sets who chairs one meeting: one of its panel's chairs, for a meeting not cancelled and
    /// not yet held; refuses a stale page. With its audit entry, in one transaction.
    pub async fn change_meeting_chair(
        &self,
        permit: &Permit<ChangeMeetingChair>,
        chair: UserId,
        version: i64,
        address: &str,
    ) -> Result<(), ChairChangeError> {
        let meeting = permit.meeting();
        let (status, date) = self.meeting_state(meeting).await?;
        if status == MeetingStatus::Cancelled {
            return Err(domain::meeting::MeetingRefused::Cancelled.into());
        }
        if date < self.clock.today() {
            return Err(domain::meeting::MeetingRefused::AlreadyHeld.into());
        }
        let who = permit.principal().user;
        write!(self, tx, kind => {
            let is_chair: Option<(Uuid,)> = sqlx::query_as(
                "SELECT c.user_id FROM meetings m JOIN panel_chairs c ON c.panel_id = m.panel_id WHERE m.id = $1 AND c.user_id = $2",
            )
            .bind(meeting.0)
            .bind(chair.0)
            .fetch_optional(&mut *tx)
            .await?;
            if is_chair.is_none() {
                return Err(ChairChangeError::NotAChair);
            }
            let n = sqlx::query("UPDATE meetings SET chair_id = $1, version = version + 1 WHERE id = $2 AND version = $3")
                .bind(chair.0)
                .bind(meeting.0)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(ChairChangeError::Stale);
            }
            audit_append!(tx, self, AuditEntry::new(Some(who), "meeting.change_chair", "meeting", Some(meeting.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }
}

/// The reason recorded on a meeting cancelled because its panel no longer meets that day.
pub const CADENCE_CHANGED: &str = "The panel’s cadence changed and it no longer meets on this day";

fn cadence_json(cadence: &Cadence) -> Result<String, StoreError> {
    serde_json::to_string(cadence).map_err(|e| StoreError::Corrupt(format!("cadence: {e}")))
}

/// A panel name already taken is the administrator's to put right; anything else is a failure.
fn duplicate_name(e: sqlx::Error) -> PanelWriteError {
    match StoreError::unique_as(e, "panel name") {
        StoreError::Duplicate(_) => invalid(PanelField::Name, "A panel with this name already exists; choose another name"),
        other => other.into(),
    }
}
