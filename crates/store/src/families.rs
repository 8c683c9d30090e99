//! Families: who is connected to each, the list and the record, the sharing log and
//! break-glass.
//!
//! Access is decided by the policy crate from facts this module gathers: the family's consent
//! exclusions and the asker's connection to it ([`policy::Relationship`]). Lists cannot ask the
//! policy about every family in the county, so [`Store::list_families`] filters in SQL with the
//! same rules, then confirms every row it returns with the policy; a test over the synthetic
//! county proves the two never disagree. The SQL for each connection is written once, below,
//! and used by both the one-family and the list queries.

use crate::audit::AuditEntry;
use crate::{Store, StoreError};
use domain::{FamilyId, OrganisationId, PersonId, UserId};
use policy::{
    AuthoriseConsentOverride, Authority, FamilyFacts, OpenBreakGlass, PanelRelationship, Permit, Principal, RecordSharing,
    ReferralConnection, Relationship, ReviewBreakGlass, ViewFamily, ViewFamilyList, ViewSharingLog,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The sharing log's INSERT and its columns, in the order both inserts below bind them.
macro_rules! sharing_columns {
    () => {
        "INSERT INTO sharing_log (id, family_id, decision, data_categories, recipient_organisation_id, recipient_user_id, \
         recipient_description, purpose, lawful_basis, method, decided_by, decided_on, consent_override, override_justification, \
         override_authorised_by, recorded_by, recorded_at, override_ground)"
    };
}

/// Inserts one sharing-log row inside the caller's write transaction.
macro_rules! insert_sharing {
    ($tx:ident, $now:expr, $id:expr, $family:expr, $actor:expr, $entry:expr, $override:expr) => {{
        let e: &NewSharingEntry = $entry;
        let consent_override: Option<&domain::consent::ConsentOverride> = $override;
        let family: Option<FamilyId> = $family;
        let actor: Option<UserId> = $actor;
        sqlx::query(concat!(
            sharing_columns!(),
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        ))
        .bind($id)
        .bind(family.map(|f| f.0))
        .bind(e.decision.code())
        .bind(&e.data_categories)
        .bind(e.recipient_organisation.map(|o| o.0))
        .bind(e.recipient_user.map(|u| u.0))
        .bind(&e.recipient_description)
        .bind(&e.purpose)
        .bind(&e.lawful_basis)
        .bind(&e.method)
        .bind(actor.map(|a| a.0))
        .bind(e.decided_on)
        .bind(consent_override.is_some())
        .bind(consent_override.map(|o| format!("{}: {}", o.ground().label(), o.justification())))
        .bind(consent_override.map(|o| o.authorised_by().0))
        .bind(actor.map(|a| a.0))
        .bind($now)
        .bind(consent_override.map(|o| o.ground().code()))
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Inserts many sharing-log rows inside the caller's write transaction, a few hundred to a
/// statement: what the system shares on its own (a list of families going to every member
/// agency) has no consent override, so those columns are written as [`insert_sharing!`]
/// writes them without one. `$rows` is a slice of (id, family, actor, entry).
macro_rules! insert_sharing_rows {
    ($tx:ident, $now:expr, $rows:expr) => {{
        let rows: &[(Uuid, Option<FamilyId>, Option<UserId>, &NewSharingEntry)] = $rows;
        let now: time::OffsetDateTime = $now;
        // 18 parameters a row: 200 rows stay far below either engine's limit.
        for chunk in rows.chunks(200) {
            let mut q = sqlx::QueryBuilder::new(concat!(sharing_columns!(), " "));
            q.push_values(chunk, |mut b, (id, family, actor, e)| {
                b.push_bind(*id)
                    .push_bind(family.map(|f| f.0))
                    .push_bind(e.decision.code())
                    .push_bind(&e.data_categories)
                    .push_bind(e.recipient_organisation.map(|o| o.0))
                    .push_bind(e.recipient_user.map(|u| u.0))
                    .push_bind(&e.recipient_description)
                    .push_bind(&e.purpose)
                    .push_bind(&e.lawful_basis)
                    .push_bind(&e.method)
                    .push_bind(actor.map(|a| a.0))
                    .push_bind(e.decided_on)
                    .push_bind(false)
                    .push_bind(None::<String>)
                    .push_bind(None::<Uuid>)
                    .push_bind(actor.map(|a| a.0))
                    .push_bind(now)
                    .push_bind(None::<String>);
            });
            q.build().execute(&mut *$tx).await?;
        }
    }};
}

/// `$1` is the asker's user id, `$2` their organisation, `$3` now; `f` is the family.
const WORKS_WITH: &str = "EXISTS (SELECT 1 FROM family_workers w WHERE w.family_id = f.id AND w.user_id = $1 AND w.until IS NULL)";

/// A chair, the business-support officer or a core representative of the panel holding the
/// case. A core seat with no named representative is held by the organisation's staff.
const PANEL_CORE: &str = "EXISTS (SELECT 1 FROM family_panels fp JOIN panels p ON p.id = fp.panel_id \
     WHERE fp.family_id = f.id AND fp.until IS NULL AND (p.business_support_user_id = $1 \
     OR EXISTS (SELECT 1 FROM panel_chairs pc WHERE pc.panel_id = p.id AND pc.user_id = $1) \
     OR EXISTS (SELECT 1 FROM panel_members pm WHERE pm.panel_id = p.id AND pm.membership = 'core' \
                AND pm.organisation_id = $2 AND (pm.user_id = $1 OR pm.user_id IS NULL))))";

/// Staff of an extended member invited to the case on the panel that holds it now.
const PANEL_INVITED: &str = "EXISTS (SELECT 1 FROM case_invitations ci JOIN family_panels fp \
     ON fp.family_id = ci.family_id AND fp.panel_id = ci.panel_id AND fp.until IS NULL \
     WHERE ci.family_id = f.id AND ci.organisation_id = $2)";

/// The family's consent excludes the asker's organisation.
const EXCLUDED: &str = "EXISTS (SELECT 1 FROM family_exclusions x WHERE x.family_id = f.id AND x.organisation_id = $2)";

/// The asker recorded the family.
const RECORDED: &str = "COALESCE(f.created_by = $1, FALSE)";

/// The asker made one of the family's open referrals.
const REFERRED: &str = "EXISTS (SELECT 1 FROM referrals r WHERE r.family_id = f.id AND r.referred_by = $1 \
     AND r.status NOT IN ('withdrawn', 'closed'))";

/// The asker is named to sign off the checklist of one of its referrals awaiting sign-off.
const SIGNS_OFF: &str =
    "EXISTS (SELECT 1 FROM referrals r WHERE r.family_id = f.id AND r.sign_off_by = $1 AND r.status = 'awaiting_sign_off')";

/// The asker chairs a panel of the locality where one of its referrals is with the panels: waiting
/// to be screened, or screened and not yet closed (returned, redirected, accepted), so a chair
/// still sees what they decided.
const SCREENS: &str = "EXISTS (SELECT 1 FROM referrals r JOIN panels p ON p.locality_id = r.locality_id \
     JOIN panel_chairs pc ON pc.panel_id = p.id WHERE r.family_id = f.id \
     AND r.status IN ('awaiting_screening', 'returned', 'redirected', 'accepted_for_panel') AND pc.user_id = $1)";

/// The family has an urgent concern, or a referral redirected to MASH, open with MASH.
const WITH_MASH: &str = "EXISTS (SELECT 1 FROM referrals r WHERE r.family_id = f.id \
     AND (r.status IN ('escalated_to_mash', 'mash_acknowledged') OR (r.status = 'redirected' AND r.redirected_to = 'mash')))";

/// The asker holds unexpired break-glass access.
const BREAK_GLASS: &str = "EXISTS (SELECT 1 FROM break_glass b WHERE b.family_id = f.id AND b.user_id = $1 AND b.expires_at > $3)";

/// How long break-glass access lasts once opened.
pub const BREAK_GLASS_DURATION: time::Duration = time::Duration::hours(1);

/// One row of the family list: enough to recognise the family, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FamilySummary {
    /// The family.
    pub id: FamilyId,
    /// Its people's names, adults first ("Ruth Okafor, Sam Okafor").
    pub names: String,
    /// First line of the address.
    pub address_line: String,
    /// Postcode.
    pub postcode: String,
    /// The locality (and so the panel area).
    pub locality: String,
}

/// What to look for in the family list. Names and postcodes arrive in a POST body and are
/// never logged.
#[derive(Debug, Clone, Default)]
pub struct FamilySearch {
    /// Part of anyone's given or family name, any case.
    pub name: Option<String>,
    /// The start of the postcode ("NX4", "NX4 7").
    pub postcode: Option<String>,
}

/// A page of the family list, with the count of everything the asker may see that matches.
#[derive(Debug)]
pub struct FamilyPage {
    /// The rows, each confirmed by the policy.
    pub families: Vec<FamilySummary>,
    /// All matching families the asker may see.
    pub total: i64,
}

/// A person in a family record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct PersonRecord {
    /// The person.
    #[sqlx(try_from = "Uuid")]
    pub id: PersonId,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: Date,
    /// Sex as recorded.
    pub sex: String,
    /// Place in the household (a `HouseholdRole` code).
    pub household_role: String,
    /// Has a disability (so a young person of 20 to 25 is still in early help's range).
    pub has_disability: bool,
}

/// A consent record as shown on the family page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConsentRecord {
    /// The record, for withdrawing it.
    pub id: Uuid,
    /// Who gave it.
    pub given_by: String,
    /// When.
    pub given_on: Date,
    /// `written` or `verbal`.
    pub method: String,
    /// It covers an early help referral.
    pub covers_referral: bool,
    /// It covers discussion at panel.
    pub covers_panel: bool,
    /// It covers sharing with the services named.
    pub covers_sharing: bool,
    /// Organisations the family asked not to share with, by name.
    pub excluded: Vec<String>,
    /// When to review it.
    pub review_due: Option<Date>,
    /// When it was withdrawn.
    pub withdrawn_on: Option<Date>,
    /// Where it stands today against the family's other records.
    pub status: ConsentStatus,
}

/// Where one consent record stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// The family's current consent.
    InForce,
    /// The family's latest consent, but its review date has passed: ask again.
    ReviewOverdue,
    /// The family withdrew it.
    Withdrawn,
    /// A later record, or a later withdrawal, replaced it.
    Superseded,
}

/// A professional connected to the family.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Worker {
    /// Their name.
    pub name: String,
    /// Their organisation.
    pub organisation: String,
    /// `lead_professional` or `team_around_the_family`.
    pub role: String,
    /// Their work e-mail, so colleagues can get in touch.
    pub email: String,
    /// The last day their organisation saw the family: a contact recorded, or a Team Around
    /// the Family review one of its staff recorded.
    pub last_seen: Option<Date>,
}

/// One family's record, as the family page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FamilyRecord {
    /// The family.
    pub id: FamilyId,
    /// First line of the address.
    pub address_line: String,
    /// Postcode.
    pub postcode: String,
    /// Locality.
    pub locality: String,
    /// For editing (a move): the version read.
    pub version: i64,
    /// The panel holding its case.
    pub panel: Option<String>,
    /// Its people, adults first.
    pub people: Vec<PersonRecord>,
    /// Its consent records, newest first.
    pub consents: Vec<ConsentRecord>,
    /// Lead professional and Team Around the Family.
    pub workers: Vec<Worker>,
    /// What was shared about it, newest first.
    pub sharing: Vec<SharingEntry>,
}

/// Whether information was shared, or a decision was made not to share it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SharingDecision {
    /// It was shared.
    Shared,
    /// It was deliberately not shared.
    NotShared,
}

impl SharingDecision {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Shared => "shared",
            Self::NotShared => "not_shared",
        }
    }
}

/// A new sharing-log entry (golden rule 7): what, with whom, why, decided by whom, when.
#[derive(Debug, Clone)]
pub struct NewSharingEntry {
    /// Shared or not.
    pub decision: SharingDecision,
    /// The kinds of information ("referral and consent", "case summary").
    pub data_categories: String,
    /// The organisation it went to, if it is a member.
    pub recipient_organisation: Option<OrganisationId>,
    /// The person it went to, if they have an account.
    pub recipient_user: Option<UserId>,
    /// Who it went to, in words (always filled in, for recipients outside the system).
    pub recipient_description: String,
    /// Why.
    pub purpose: String,
    /// The lawful basis (e.g. "consent", "UK GDPR 6(1)(e) public task").
    pub lawful_basis: String,
    /// How (`agenda`, `export`, `email`, `api`, `phone`, `meeting`, `secure_email`…).
    pub method: String,
    /// The date the decision was made.
    pub decided_on: Date,
}

/// Which part of the sharing log information governance is looking at.
#[derive(Debug, Clone, Default)]
pub struct SharingFilter {
    /// Only what was shared with this organisation.
    pub organisation: Option<OrganisationId>,
    /// Only about this family.
    pub family: Option<FamilyId>,
    /// Decided on or after.
    pub from: Option<Date>,
    /// Decided on or before.
    pub to: Option<Date>,
    /// At most this many entries, newest first.
    pub limit: i64,
}

/// A sharing-log entry as read back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SharingEntry {
    /// The entry.
    pub id: Uuid,
    /// The family it concerns.
    pub family_id: Option<FamilyId>,
    /// `shared` or `not_shared`.
    pub decision: String,
    /// What.
    pub data_categories: String,
    /// To whom.
    pub recipient: String,
    /// Why.
    pub purpose: String,
    /// On what basis.
    pub lawful_basis: String,
    /// How.
    pub method: String,
    /// Who decided ("earlyhelp" when the system shared by itself).
    pub decided_by: String,
    /// When.
    pub decided_on: Date,
    /// For an override, the justification.
    pub override_justification: Option<String>,
    /// For an override, who authorised it.
    pub override_authorised_by: Option<String>,
}

/// Break-glass access as information governance reviews it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BreakGlassGrant {
    /// The grant.
    pub id: Uuid,
    /// The administrator.
    pub user: String,
    /// The family.
    pub family_id: FamilyId,
    /// Their stated reason.
    pub reason: String,
    /// When it was opened.
    pub opened_at: OffsetDateTime,
    /// When it ends.
    pub expires_at: OffsetDateTime,
    /// Who reviewed it, if anyone has.
    pub reviewed_by: Option<String>,
    /// The review's note.
    pub review_note: Option<String>,
}

impl Store {
    /// What the policy needs to decide about `who` and one family: its exclusions and the
    /// asker's connection to it. `None` when there is no such family, which callers must show
    /// exactly as they show a refusal, so nobody learns a family exists by guessing ids.
    pub async fn family_facts(&self, who: &Principal, family: FamilyId) -> Result<Option<FamilyFacts>, StoreError> {
        Ok(self.families_facts(who, &[family]).await?.remove(&family))
    }

    /// [`Store::family_facts`] for many families in two reads (a few hundred families to a
    /// statement): what a page listing an agenda's cases asks before showing each. Families
    /// that do not exist are absent from the map.
    pub async fn families_facts(
        &self,
        who: &Principal,
        families: &[FamilyId],
    ) -> Result<std::collections::BTreeMap<FamilyId, FamilyFacts>, StoreError> {
        type Flags = (Uuid, bool, bool, bool, bool, bool, bool, bool, bool, bool);
        let now = self.now();
        let mut out = std::collections::BTreeMap::new();
        for chunk in families.chunks(500) {
            // $1 to $3 are the asker and now, as the rules above expect; the families follow.
            let ids: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
            let ids = ids.join(", ");
            let sql = format!(
                "SELECT f.id, {WORKS_WITH} AS works, {PANEL_CORE} AS core, {PANEL_INVITED} AS invited, {BREAK_GLASS} AS glass, \
                 {REFERRED}, {SIGNS_OFF}, {SCREENS}, {WITH_MASH}, {RECORDED} FROM families f WHERE f.id IN ({ids})"
            );
            let exclusions_sql = format!(
                "SELECT family_id, organisation_id FROM family_exclusions WHERE family_id IN ({}) ORDER BY family_id, organisation_id",
                (0..chunk.len()).map(|i| format!("${}", i + 1)).collect::<Vec<_>>().join(", ")
            );
            let (rows, excluded): (Vec<Flags>, Vec<(Uuid, Uuid)>) = read!(self, db => {
                let mut q = sqlx::query_as(&sql).bind(who.user.0).bind(who.organisation.0).bind(now);
                for f in chunk {
                    q = q.bind(f.0);
                }
                let rows = q.fetch_all(db).await?;
                let mut x = sqlx::query_as(&exclusions_sql);
                for f in chunk {
                    x = x.bind(f.0);
                }
                (rows, x.fetch_all(db).await?)
            });
            for (id, works, core, invited, glass, made_one, signs_one_off, screens_one, escalated_to_mash, recorded_it) in rows {
                let family = FamilyId(id);
                out.insert(
                    family,
                    FamilyFacts {
                        id: family,
                        excluded_organisations: excluded.iter().filter(|(f, _)| *f == id).map(|(_, o)| OrganisationId(*o)).collect(),
                        relationship: Relationship {
                            recorded_it,
                            referrals: ReferralConnection {
                                made_one,
                                signs_one_off,
                                screens_one,
                                escalated_to_mash,
                            },
                            ..relationship(works, core, invited, glass)
                        },
                    },
                );
            }
        }
        Ok(out)
    }

    /// The families the asker may see that match the search, a page at a time. Filtered in
    /// SQL by the same rules the policy applies, then confirmed row by row with the policy: a
    /// row the two disagree on is left out and reported as a fault.
    pub async fn list_families(
        &self,
        authority: &Authority,
        permit: &Permit<ViewFamilyList>,
        search: &FamilySearch,
        offset: i64,
        limit: i64,
    ) -> Result<FamilyPage, StoreError> {
        let who = permit.principal();
        let name = search
            .name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("%{}%", like_escape(&s.to_lowercase())));
        let postcode = search
            .postcode
            .as_deref()
            .map(|s| s.trim().to_uppercase())
            .filter(|s| !s.is_empty())
            .map(|s| format!("{}%", like_escape(&s)));
        let filter = format!(
            "FROM families f JOIN localities l ON l.id = f.locality_id \
             WHERE NOT {EXCLUDED} AND ({WORKS_WITH} OR {PANEL_CORE} OR {PANEL_INVITED} OR {REFERRED} OR {RECORDED} \
                  OR ($8 AND {SIGNS_OFF}) OR ($9 AND {SCREENS}) OR ($10 AND {WITH_MASH})) \
             AND ($4 IS NULL OR EXISTS (SELECT 1 FROM people sp WHERE sp.family_id = f.id AND sp.merged_into IS NULL \
                  AND (LOWER(sp.given_name) LIKE $4 ESCAPE '\\' OR LOWER(sp.family_name) LIKE $4 ESCAPE '\\' \
                       OR LOWER(sp.given_name || ' ' || sp.family_name) LIKE $4 ESCAPE '\\'))) \
             AND ($5 IS NULL OR f.postcode LIKE $5 ESCAPE '\\') AND $3 = $3"
        );
        let select = format!(
            "SELECT f.id, f.address_line, f.postcode, l.name, {EXCLUDED} AS excluded, {WORKS_WITH} AS works, \
             {PANEL_CORE} AS core, {PANEL_INVITED} AS invited, {REFERRED}, $8 AND {SIGNS_OFF}, $9 AND {SCREENS}, $10 AND {WITH_MASH}, {RECORDED} \
             {filter} ORDER BY f.postcode, f.address_line, f.id LIMIT $6 OFFSET $7"
        );
        let count = format!("SELECT COUNT(*) {filter} AND $6 = $6 AND $7 = $7");
        let now = self.now();
        // Which referral connections can count for this asker: the policy lets a named signer,
        // a screening chair and MASH see the family only in those roles (the SQL must agree).
        let signs = who.has_role(domain::role::Role::CaseSupervisor) || who.has_role(domain::role::Role::LocalityManager);
        let chairs = who.has_role(domain::role::Role::PanelChair);
        let mash = who.has_role(domain::role::Role::MashPractitioner);
        type Row = (Uuid, String, String, String, bool, bool, bool, bool, bool, bool, bool, bool, bool);
        let (rows, total): (Vec<Row>, i64) = read!(self, db => {
            let rows = sqlx::query_as(&select)
                .bind(who.user.0).bind(who.organisation.0).bind(now).bind(name.as_deref()).bind(postcode.as_deref())
                .bind(limit).bind(offset).bind(signs).bind(chairs).bind(mash)
                .fetch_all(db).await?;
            let (total,): (i64,) = sqlx::query_as(&count)
                .bind(who.user.0).bind(who.organisation.0).bind(now).bind(name.as_deref()).bind(postcode.as_deref())
                .bind(limit).bind(offset).bind(signs).bind(chairs).bind(mash)
                .fetch_one(db).await?;
            (rows, total)
        });
        let mut families = Vec::with_capacity(rows.len());
        for (
            id,
            address_line,
            postcode,
            locality,
            excluded,
            works,
            core,
            invited,
            made_one,
            signs_one_off,
            screens_one,
            escalated_to_mash,
            recorded_it,
        ) in rows
        {
            let facts = FamilyFacts {
                id: FamilyId(id),
                excluded_organisations: if excluded { vec![who.organisation] } else { vec![] },
                relationship: Relationship {
                    recorded_it,
                    referrals: ReferralConnection {
                        made_one,
                        signs_one_off,
                        screens_one,
                        escalated_to_mash,
                    },
                    ..relationship(works, core, invited, false)
                },
            };
            if authority.decide_family(who, ViewFamily, &facts).is_err() {
                tracing::error!(family = %id, "the family list's SQL filter and the policy disagree; row left out");
                continue;
            }
            families.push(FamilySummary {
                id: FamilyId(id),
                names: String::new(),
                address_line,
                postcode,
                locality,
            });
        }
        let ids: Vec<Uuid> = families.iter().map(|f| f.id.0).collect();
        let names = self.names_of(&ids).await?;
        for f in &mut families {
            if let Some(n) = names.get(&f.id.0) {
                f.names.clone_from(n);
            }
        }
        Ok(FamilyPage { families, total })
    }

    /// "Ruth Okafor, Sam Okafor" per family, adults first then children eldest first.
    async fn names_of(&self, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, String>, StoreError> {
        let mut out: std::collections::HashMap<Uuid, String> = std::collections::HashMap::new();
        for chunk in ids.chunks(200) {
            if chunk.is_empty() {
                continue;
            }
            let rows: Vec<(Uuid, String, String)> = read!(self, db => {
                let mut q = sqlx::QueryBuilder::new("SELECT family_id, given_name, family_name FROM people WHERE merged_into IS NULL AND family_id IN (");
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                q.push(") ORDER BY family_id, CASE household_role WHEN 'child' THEN 1 ELSE 0 END, date_of_birth, id");
                q.build_query_as().fetch_all(db).await?
            });
            for (family, given, surname) in rows {
                let names = out.entry(family).or_default();
                if !names.is_empty() {
                    names.push_str(", ");
                }
                names.push_str(&given);
                names.push(' ');
                names.push_str(&surname);
            }
        }
        Ok(out)
    }

    /// One family's record, recorded in the audit trail as read by the permit's holder.
    pub async fn view_family(&self, permit: &Permit<ViewFamily>, address: &str) -> Result<Option<FamilyRecord>, StoreError> {
        let id = permit.family();
        type Head = (String, String, String, Option<String>, i64);
        type ConsentRow = (Uuid, String, Date, String, String, Option<Date>, Option<Date>);
        type WorkerRow = (String, String, String, String, String, Option<Date>, Option<Date>);
        type Loaded = (Head, Vec<PersonRecord>, Vec<ConsentRow>, Vec<(Uuid, String)>, Vec<WorkerRow>);
        let loaded: Option<Loaded> = read!(self, db => {
            let head: Option<Head> = sqlx::query_as(
                "SELECT f.address_line, f.postcode, l.name, \
                 (SELECT p.name FROM family_panels fp JOIN panels p ON p.id = fp.panel_id WHERE fp.family_id = f.id AND fp.until IS NULL LIMIT 1), \
                 f.version FROM families f JOIN localities l ON l.id = f.locality_id WHERE f.id = $1",
            )
            .bind(id.0)
            .fetch_optional(db)
            .await?;
            match head {
                None => None,
                Some(head) => {
                    let people = sqlx::query_as(
                        "SELECT id, given_name, family_name, date_of_birth, sex, household_role, has_disability FROM people WHERE family_id = $1 AND merged_into IS NULL \
                         ORDER BY CASE household_role WHEN 'child' THEN 1 ELSE 0 END, date_of_birth, id",
                    )
                    .bind(id.0)
                    .fetch_all(db)
                    .await?;
                    let consents = sqlx::query_as(
                        "SELECT id, given_by, given_on, method, scopes, review_due, withdrawn_on \
                         FROM consents WHERE family_id = $1 ORDER BY given_on DESC, id DESC",
                    )
                    .bind(id.0)
                    .fetch_all(db)
                    .await?;
                    let exclusions = sqlx::query_as(
                        "SELECT ce.consent_id, o.name FROM consent_exclusions ce JOIN consents c ON c.id = ce.consent_id \
                         JOIN organisations o ON o.id = ce.organisation_id WHERE c.family_id = $1 AND NOT ce.readmitted ORDER BY o.name",
                    )
                    .bind(id.0)
                    .fetch_all(db)
                    .await?;
                    let workers = sqlx::query_as(
                        "SELECT u.given_name, u.family_name, o.name, w.role, u.email, \
                         (SELECT MAX(c.seen_on) FROM family_contacts c WHERE c.family_id = w.family_id AND c.organisation_id = o.id), \
                         (SELECT MAX(r.held_on) FROM plan_reviews r JOIN plans p ON p.id = r.plan_id JOIN users ru ON ru.id = r.recorded_by \
                          WHERE p.family_id = w.family_id AND ru.organisation_id = o.id) \
                         FROM family_workers w JOIN users u ON u.id = w.user_id \
                         JOIN organisations o ON o.id = u.organisation_id WHERE w.family_id = $1 AND w.until IS NULL \
                         ORDER BY CASE w.role WHEN 'lead_professional' THEN 0 ELSE 1 END, u.family_name, u.given_name",
                    )
                    .bind(id.0)
                    .fetch_all(db)
                    .await?;
                    Some((head, people, consents, exclusions, workers))
                }
            }
        });
        let Some(((address_line, postcode, locality, panel, version), people, consents, exclusions, workers)) = loaded else {
            return Ok(None);
        };
        let sharing = self.sharing_for_family(id).await?;
        let standing = self.consent_standing(id).await?;
        let status_of = |record: Uuid, withdrawn: bool| {
            if withdrawn {
                ConsentStatus::Withdrawn
            } else if standing.current_record.map(|c| c.0) != Some(record) || standing.withdrawn_on.is_some() {
                ConsentStatus::Superseded
            } else if standing.review_overdue {
                ConsentStatus::ReviewOverdue
            } else {
                ConsentStatus::InForce
            }
        };
        self.audit_read(
            AuditEntry::new(Some(permit.principal().user), "family.view", "family", Some(id.to_string()))
                .from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(Some(FamilyRecord {
            id,
            address_line,
            postcode,
            locality,
            version,
            panel,
            people,
            consents: consents
                .into_iter()
                .map(
                    |(cid, given_by, given_on, method, scopes, review_due, withdrawn_on)| ConsentRecord {
                        id: cid,
                        given_by,
                        given_on,
                        method,
                        covers_referral: scopes.split_whitespace().any(|s| s == "early_help_referral"),
                        covers_panel: scopes.split_whitespace().any(|s| s == "panel_discussion"),
                        covers_sharing: scopes.split_whitespace().any(|s| s.starts_with("sharing_with:")),
                        excluded: exclusions.iter().filter(|(c, _)| *c == cid).map(|(_, n)| n.clone()).collect(),
                        review_due,
                        withdrawn_on,
                        status: status_of(cid, withdrawn_on.is_some()),
                    },
                )
                .collect(),
            workers: workers
                .into_iter()
                .map(|(given, surname, organisation, role, email, contact, review): WorkerRow| Worker {
                    name: format!("{given} {surname}"),
                    organisation,
                    role,
                    email,
                    last_seen: contact.max(review),
                })
                .collect(),
            sharing,
        }))
    }

    async fn sharing_for_family(&self, family: FamilyId) -> Result<Vec<SharingEntry>, StoreError> {
        let rows: Vec<SharingRow> = read!(self, db => {
            sqlx::query_as(&format!("{SHARING_SELECT} WHERE s.family_id = $1 ORDER BY s.recorded_at DESC, s.id DESC"))
                .bind(family.0)
                .fetch_all(db)
                .await?
        });
        Ok(rows.into_iter().map(SharingRow::into_entry).collect())
    }

    /// The sharing log across families, newest first, for information governance: everything
    /// shared with (or withheld from) one organisation, about one family, or all of it, within
    /// dates. The read is audited.
    pub async fn sharing_register(
        &self,
        permit: &Permit<ViewSharingLog>,
        filter: &SharingFilter,
        address: &str,
    ) -> Result<Vec<SharingEntry>, StoreError> {
        let sql = format!(
            "{SHARING_SELECT} WHERE ($1 IS NULL OR s.recipient_organisation_id = $1) AND ($2 IS NULL OR s.family_id = $2) \
             AND ($3 IS NULL OR s.decided_on >= $3) AND ($4 IS NULL OR s.decided_on <= $4) \
             ORDER BY s.recorded_at DESC, s.id DESC LIMIT $5"
        );
        let rows: Vec<SharingRow> = read!(self, db => {
            sqlx::query_as(&sql)
                .bind(filter.organisation.map(|o| o.0))
                .bind(filter.family.map(|f| f.0))
                .bind(filter.from)
                .bind(filter.to)
                .bind(filter.limit.clamp(1, 100_000))
                .fetch_all(db)
                .await?
        });
        self.audit_read(
            AuditEntry::new(
                Some(permit.principal().user),
                "sharing_log.view",
                "sharing_log",
                filter.family.map(|f| f.to_string()),
            )
            .from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(rows.into_iter().map(SharingRow::into_entry).collect())
    }

    /// Every sharing without consent, newest first, for information governance to review beside
    /// break-glass access: overrides recorded on the sharing form and referrals made on one.
    /// The read is audited.
    pub async fn consent_overrides(&self, permit: &Permit<ViewSharingLog>, address: &str) -> Result<Vec<SharingEntry>, StoreError> {
        let rows: Vec<SharingRow> = read!(self, db => {
            sqlx::query_as(&format!("{SHARING_SELECT} WHERE s.consent_override ORDER BY s.recorded_at DESC, s.id DESC LIMIT 500"))
                .fetch_all(db)
                .await?
        });
        self.audit_read(
            AuditEntry::new(Some(permit.principal().user), "consent_overrides.view", "sharing_log", None)
                .from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(rows.into_iter().map(SharingRow::into_entry).collect())
    }

    /// Adds an entry a practitioner made for sharing done outside the system. Sharing without
    /// the family's consent needs the override's permit, for the same family, and its
    /// justification; the entry says who authorised it.
    pub async fn record_sharing(
        &self,
        permit: &Permit<RecordSharing>,
        entry: &NewSharingEntry,
        consent_override: Option<(&Permit<AuthoriseConsentOverride>, &domain::consent::ConsentOverride)>,
        address: &str,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let family = permit.family();
        let actor = permit.principal().user;
        if let Some((authority, o)) = consent_override
            && (authority.family() != family || authority.principal().user != o.authorised_by())
        {
            return Err(StoreError::Corrupt(
                "a consent override must be authorised for this family by the person named".into(),
            ));
        }
        let justification = consent_override.map(|(_, o)| o);
        write!(self, tx, kind => {
            insert_sharing!(tx, self.now(), id, Some(family), Some(actor), entry, justification);
            let action = if justification.is_some() { "sharing.record_without_consent" } else { "sharing.record" };
            audit_append!(tx, self, AuditEntry::new(Some(actor), action, "family", Some(family.to_string()))
                .from_address(Some(address.to_owned())));
        });
        if justification.is_some() {
            tracing::warn!(entry = %id, "information shared without consent recorded");
        }
        Ok(id)
    }

    /// Records that the system itself shared a family's information with an agency (an API
    /// read by its system, an agenda circulated to it, an export): golden rule 7 for what the
    /// software does on its own.
    pub async fn log_system_sharing(&self, family: FamilyId, entry: &NewSharingEntry) -> Result<(), StoreError> {
        let id = Uuid::now_v7();
        write!(self, tx, kind => {
            insert_sharing!(tx, self.now(), id, Some(family), None::<UserId>, entry, None);
            audit_append!(tx, self, AuditEntry::new(None, "sharing.system", "family", Some(family.to_string())));
        });
        Ok(())
    }

    /// Opens break-glass access for the permit's holder to its family, for an hour, with their
    /// reason; the reason is kept with the grant and in the audit trail for review.
    pub async fn open_break_glass(
        &self,
        permit: &Permit<OpenBreakGlass>,
        reason: &str,
        address: &str,
    ) -> Result<OffsetDateTime, StoreError> {
        let id = Uuid::now_v7();
        let opened = self.now();
        let expires = opened + BREAK_GLASS_DURATION;
        let actor = permit.principal().user;
        let family = permit.family();
        write!(self, tx, kind => {
            sqlx::query("INSERT INTO break_glass (id, user_id, family_id, reason, opened_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(actor.0)
                .bind(family.0)
                .bind(reason)
                .bind(opened)
                .bind(expires)
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, self, AuditEntry::new(Some(actor), "break_glass.open", "family", Some(family.to_string()))
                .from_address(Some(address.to_owned()))
                .personal(format!("reason={reason}")));
        });
        tracing::warn!(grant = %id, "break-glass access opened");
        Ok(expires)
    }

    /// Break-glass grants, unreviewed first, for information governance.
    pub async fn break_glass_grants(&self, _permit: &Permit<ReviewBreakGlass>) -> Result<Vec<BreakGlassGrant>, StoreError> {
        type Row = (
            Uuid,
            String,
            String,
            Uuid,
            String,
            OffsetDateTime,
            OffsetDateTime,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = read!(self, db => {
            sqlx::query_as(
                "SELECT b.id, u.given_name, u.family_name, b.family_id, b.reason, b.opened_at, b.expires_at, \
                 r.given_name || ' ' || r.family_name, b.review_note, NULL \
                 FROM break_glass b JOIN users u ON u.id = b.user_id LEFT JOIN users r ON r.id = b.reviewed_by \
                 ORDER BY CASE WHEN b.reviewed_at IS NULL THEN 0 ELSE 1 END, b.opened_at DESC",
            )
            .fetch_all(db)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(id, given, surname, family, reason, opened_at, expires_at, reviewed_by, review_note, _)| BreakGlassGrant {
                    id,
                    user: format!("{given} {surname}"),
                    family_id: FamilyId(family),
                    reason,
                    opened_at,
                    expires_at,
                    reviewed_by,
                    review_note,
                },
            )
            .collect())
    }

    /// Records information governance's review of a grant. A grant is reviewed once.
    pub async fn review_break_glass(
        &self,
        permit: &Permit<ReviewBreakGlass>,
        grant: Uuid,
        note: &str,
        address: &str,
    ) -> Result<(), StoreError> {
        let actor = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            let updated = sqlx::query("UPDATE break_glass SET reviewed_by = $1, reviewed_at = $2, review_note = $3 WHERE id = $4 AND reviewed_at IS NULL")
                .bind(actor.0)
                .bind(now)
                .bind(note)
                .bind(grant)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if updated == 0 {
                return Err(StoreError::NotFound("break-glass access awaiting review"));
            }
            audit_append!(tx, self, AuditEntry::new(Some(actor), "break_glass.review", "break_glass", Some(grant.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }
}

fn relationship(works: bool, core: bool, invited: bool, glass: bool) -> Relationship {
    Relationship {
        works_with_family: works,
        panel: if core {
            PanelRelationship::Core
        } else if invited {
            PanelRelationship::Invited
        } else {
            PanelRelationship::None
        },
        break_glass: glass,
        recorded_it: false,
        referrals: ReferralConnection::default(),
    }
}

/// Escapes `%`, `_` and the escape character itself, so a search for "50%" finds "50%".
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

const SHARING_SELECT: &str = "SELECT s.id, s.family_id, s.decision, s.data_categories, s.recipient_description, s.purpose, \
     s.lawful_basis, s.method, d.given_name || ' ' || d.family_name AS decided_by, s.decided_on, s.override_justification, \
     a.given_name || ' ' || a.family_name AS authorised_by \
     FROM sharing_log s LEFT JOIN users d ON d.id = s.decided_by LEFT JOIN users a ON a.id = s.override_authorised_by";

#[derive(sqlx::FromRow)]
struct SharingRow {
    id: Uuid,
    family_id: Option<Uuid>,
    decision: String,
    data_categories: String,
    recipient_description: String,
    purpose: String,
    lawful_basis: String,
    method: String,
    decided_by: Option<String>,
    decided_on: Date,
    override_justification: Option<String>,
    authorised_by: Option<String>,
}

impl SharingRow {
    fn into_entry(self) -> SharingEntry {
        SharingEntry {
            id: self.id,
            family_id: self.family_id.map(FamilyId),
            decision: self.decision,
            data_categories: self.data_categories,
            recipient: self.recipient_description,
            purpose: self.purpose,
            lawful_basis: self.lawful_basis,
            method: self.method,
            decided_by: self.decided_by.unwrap_or_else(|| "earlyhelp (automatic)".to_owned()),
            decided_on: self.decided_on,
            override_justification: self.override_justification,
            override_authorised_by: self.authorised_by,
        }
    }
}
