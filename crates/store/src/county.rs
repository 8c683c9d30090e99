//! Loading a synthetic county (demo, tests, benchmarks) in a few large transactions.
//!
//! Rows go in as multi-row INSERTs of a few hundred rows, which both engines take far faster
//! than one statement per row: 100 000 families (about 400 000 rows) load in seconds.

use crate::audit::AuditEntry;
use crate::organisations::IsaColumns;
use crate::{Store, StoreError};
use county::{County, Spec};
use domain::MeetingId;
use sqlx::QueryBuilder;
use time::Date;
use uuid::Uuid;

/// The settings key that records that a county was loaded, so `demo` loads it only once.
const LOADED_KEY: &str = "county_loaded";

/// Rows per multi-row INSERT: well under both engines' bound-parameter limits.
const BATCH: usize = 500;

impl Store {
    /// The spec of the county loaded into this database, if one was: `demo` reopens a
    /// database and must print the same sign-ins it loaded, whatever today's date is.
    pub async fn loaded_county(&self) -> Result<Option<Spec>, StoreError> {
        let row: Option<(String,)> = read!(self, db => {
            sqlx::query_as("SELECT value FROM settings WHERE key = $1").bind(LOADED_KEY).fetch_optional(db).await?
        });
        let Some((value,)) = row else { return Ok(None) };
        let field = |name: &str| {
            value
                .split(';')
                .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
        };
        let corrupt = || StoreError::Corrupt(format!("{LOADED_KEY}: {value}"));
        let seed = field("seed").and_then(|v| v.parse().ok()).ok_or_else(corrupt)?;
        let families = field("families").and_then(|v| v.parse().ok()).ok_or_else(corrupt)?;
        let today = field("today")
            .and_then(|v| time::Date::parse(v, time::macros::format_description!("[year]-[month]-[day]")).ok())
            .ok_or_else(corrupt)?;
        Ok(Some(Spec { seed, families, today }))
    }

    /// Loads the organisations, staff, localities and panels of a county, then its families in
    /// batches. `password_hash` is given to every staff account (the demo's shared password).
    pub async fn load_county(&self, county: &County, spec: &Spec, password_hash: &str) -> Result<(), StoreError> {
        let now = self.now();
        write!(self, tx, kind => {
            for l in &county.localities {
                sqlx::query("INSERT INTO localities (id, name) VALUES ($1, $2)").bind(l.id.0).bind(&l.name).execute(&mut *tx).await?;
                for prefix in &l.postcode_areas {
                    sqlx::query("INSERT INTO postcode_areas (prefix, locality_id) VALUES ($1, $2)")
                        .bind(prefix)
                        .bind(l.id.0)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for o in &county.organisations {
                let c = IsaColumns::from(&o.isa);
                sqlx::query("INSERT INTO organisations (id, name, kind, secure_email_domain, address, isa_state, isa_applied_on, \
                             isa_signed_on, isa_signatory, isa_review_due, isa_withdrawn_on, mfa_required, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
                    .bind(o.id.0)
                    .bind(&o.name)
                    .bind(o.kind.code())
                    .bind(&o.secure_email_domain)
                    .bind(&o.address)
                    .bind(c.state)
                    .bind(c.applied_on)
                    .bind(c.signed_on)
                    .bind(c.signatory.as_deref())
                    .bind(c.review_due)
                    .bind(c.withdrawn_on)
                    .bind(o.mfa_required)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            for s in &county.staff {
                sqlx::query("INSERT INTO users (id, organisation_id, email, given_name, family_name, job_title, password_hash, \
                             must_change_password, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, TRUE, $8)")
                    .bind(s.id.0)
                    .bind(s.organisation.0)
                    .bind(s.email.as_str())
                    .bind(&s.given_name)
                    .bind(&s.family_name)
                    .bind(&s.job_title)
                    .bind(password_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                for r in &s.roles {
                    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)").bind(s.id.0).bind(r.code()).execute(&mut *tx).await?;
                }
            }
            for p in &county.panels {
                let cadence = serde_json::to_string(&p.cadence).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query("INSERT INTO panels (id, name, kind, locality_id, cadence, starts_at, ends_at, venue, \
                             business_support_user_id, conflict_of_interest_statement, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                    .bind(p.id.0)
                    .bind(&p.name)
                    .bind(p.kind.code())
                    .bind(p.locality.0)
                    .bind(cadence)
                    .bind(p.starts_at)
                    .bind(p.ends_at)
                    .bind(&p.venue)
                    .bind(p.business_support.0)
                    .bind(&p.conflict_of_interest_statement)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                for (turn, chair) in p.chairs.iter().enumerate() {
                    sqlx::query("INSERT INTO panel_chairs (panel_id, user_id, turn) VALUES ($1, $2, $3)")
                        .bind(p.id.0)
                        .bind(chair.0)
                        .bind(turn as i64)
                        .execute(&mut *tx)
                        .await?;
                }
                for m in &p.members {
                    sqlx::query(
                        "INSERT INTO panel_members (panel_id, organisation_id, user_id, membership, secure_email) VALUES ($1, $2, $3, $4, $5)",
                    )
                        .bind(p.id.0)
                        .bind(m.organisation.0)
                        .bind(m.user.map(|u| u.0))
                        .bind(m.membership.code())
                        .bind(m.secure_email.as_deref())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            audit_append!(tx, self, AuditEntry::new(None, "county.load_structure", "county", None)
                .personal(format!("organisations={}; staff={}; panels={}", county.organisations.len(), county.staff.len(), county.panels.len())));
        });

        let organisation_of: std::collections::HashMap<domain::UserId, domain::OrganisationId> =
            county.staff.iter().map(|st| (st.id, st.organisation)).collect();
        let mut families = county.families(spec).peekable();
        let mut loaded = 0usize;
        while families.peek().is_some() {
            let chunk: Vec<county::Family> = families.by_ref().take(BATCH * 4).collect();
            loaded += chunk.len();
            write!(self, tx, kind => {
                for batch in chunk.chunks(BATCH) {
                    let mut q = QueryBuilder::new("INSERT INTO families (id, locality_id, address_line, postcode, created_at) ");
                    q.push_values(batch, |mut b, f| {
                        b.push_bind(f.id.0).push_bind(f.locality.0).push_bind(&f.address_line).push_bind(f.postcode.as_str()).push_bind(now);
                    });
                    q.build().execute(&mut *tx).await?;
                    let people: Vec<(&county::Family, &county::Person)> = batch.iter().flat_map(|f| f.people.iter().map(move |p| (f, p))).collect();
                    for rows in people.chunks(BATCH) {
                        let mut q = QueryBuilder::new(
                            "INSERT INTO people (id, family_id, given_name, family_name, date_of_birth, sex, household_role, created_at, has_disability) ",
                        );
                        q.push_values(rows, |mut b, (f, p)| {
                            b.push_bind(p.id.0)
                                .push_bind(f.id.0)
                                .push_bind(&p.given_name)
                                .push_bind(&p.family_name)
                                .push_bind(p.date_of_birth)
                                .push_bind(p.sex.code())
                                .push_bind(p.household_role.code())
                                .push_bind(now)
                                .push_bind(p.has_disability);
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                    // Each family's moves: the address it left, and the one it moved to (the next
                    // move's, or for the last move the family's current address).
                    let moves: Vec<(&county::Family, usize)> =
                        batch.iter().flat_map(|f| (0..f.moves.len()).map(move |i| (f, i))).collect();
                    for rows in moves.chunks(BATCH / 2) {
                        let mut q = QueryBuilder::new(
                            "INSERT INTO family_moves (family_id, seq, moved_on, from_address_line, from_postcode, from_locality_id, \
                             to_address_line, to_postcode, to_locality_id, recorded_by, recorded_at) ",
                        );
                        q.push_values(rows, |mut b, (f, i)| {
                            let m = &f.moves[*i];
                            let (to_line, to_postcode, to_locality) = match f.moves.get(i + 1) {
                                Some(next) => (&next.from_address_line, &next.from_postcode, next.from_locality),
                                None => (&f.address_line, &f.postcode, f.locality),
                            };
                            b.push_bind(f.id.0)
                                .push_bind(i64::try_from(*i).unwrap_or(0) + 1)
                                .push_bind(m.moved_on)
                                .push_bind(&m.from_address_line)
                                .push_bind(m.from_postcode.as_str())
                                .push_bind(m.from_locality.0)
                                .push_bind(to_line)
                                .push_bind(to_postcode.as_str())
                                .push_bind(to_locality.0)
                                .push_bind(f.involvement.lead_professional.map(|u| u.0))
                                .push_bind(now);
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                    let involvement = Involvement::rows(batch);
                    if !involvement.consents.is_empty() {
                        for rows in involvement.consents.chunks(BATCH / 2) {
                            let mut q = QueryBuilder::new(
                                "INSERT INTO consents (id, family_id, given_by, given_by_person_id, given_on, method, scopes, \
                                 review_due, recorded_at, withdrawn_on, withdrawal_reason) ",
                            );
                            q.push_values(rows, |mut b, c| {
                                b.push_bind(c.id)
                                    .push_bind(c.family)
                                    .push_bind(&c.given_by)
                                    .push_bind(c.given_by_person)
                                    .push_bind(c.given_on)
                                    .push_bind(c.method)
                                    .push_bind(COUNTY_SCOPES)
                                    .push_bind(c.review_due)
                                    .push_bind(now)
                                    .push_bind(c.withdrawn_on)
                                    .push_bind(c.withdrawn_on.map(|_| "The family withdrew consent"));
                            });
                            q.build().execute(&mut *tx).await?;
                        }
                    }
                    for rows in involvement.exclusions.chunks(BATCH) {
                        let mut q = QueryBuilder::new("INSERT INTO consent_exclusions (consent_id, organisation_id) ");
                        q.push_values(rows, |mut b, (consent, _, org)| {
                            b.push_bind(*consent).push_bind(*org);
                        });
                        q.build().execute(&mut *tx).await?;
                        let mut q = QueryBuilder::new("INSERT INTO family_exclusions (family_id, organisation_id) ");
                        q.push_values(rows, |mut b, (_, family, org)| {
                            b.push_bind(*family).push_bind(*org);
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                    for rows in involvement.workers.chunks(BATCH) {
                        let mut q = QueryBuilder::new("INSERT INTO family_workers (family_id, user_id, role, since) ");
                        q.push_values(rows, |mut b, (family, user, role, since)| {
                            b.push_bind(*family).push_bind(*user).push_bind(*role).push_bind(*since);
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                    for rows in involvement.panels.chunks(BATCH) {
                        let mut q = QueryBuilder::new("INSERT INTO family_panels (family_id, panel_id, since) ");
                        q.push_values(rows, |mut b, (family, panel, since)| {
                            b.push_bind(*family).push_bind(*panel).push_bind(*since);
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                    let referrals = ReferralRows::replay(county, batch, &organisation_of, now)?;
                    for rows in referrals.sharing.chunks(BATCH / 2) {
                        let mut q = QueryBuilder::new(
                            "INSERT INTO sharing_log (id, family_id, decision, data_categories, recipient_description, purpose, \
                             lawful_basis, method, decided_by, decided_on, recorded_by, recorded_at, consent_override, \
                             override_justification, override_authorised_by, override_ground) ",
                        );
                        q.push_values(rows, |mut b, (id, family, by, on, at, urgent, without)| {
                            let lawful_basis = match (urgent, without) {
                                (true, _) => "Vital interests (UK GDPR 6(1)(d))".to_owned(),
                                (false, Some(o)) => format!("Without consent: {}", o.ground.label()),
                                (false, None) => "Consent".to_owned(),
                            };
                            b.push_bind(*id)
                                .push_bind(*family)
                                .push_bind("shared")
                                .push_bind("Referral: the family's details and the reason for referral")
                                .push_bind(if *urgent { "MASH (urgent safeguarding concern)" } else { "Early help screening for the family's locality" })
                                .push_bind(if *urgent { "Safeguarding: an urgent concern sent to MASH" } else { "Early help referral" })
                                .push_bind(lawful_basis)
                                .push_bind("earlyhelp referral")
                                .push_bind(*by)
                                .push_bind(*on)
                                .push_bind(*by)
                                .push_bind(*at)
                                .push_bind(without.is_some())
                                .push_bind(without.map(|o| format!("{}: {}", o.ground.label(), o.justification)))
                                .push_bind(without.map(|_| *by))
                                .push_bind(without.map(|o| o.ground.code()));
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                    for rows in referrals.referrals.chunks(BATCH / 2) {
                        let mut q = QueryBuilder::new(
                            "INSERT INTO referrals (id, family_id, route, locality_id, urgent, re_referral, status, state, reason, \
                             referred_by, referrer_organisation_id, sign_off_by, checklist, panel_id, meeting_date, escalated_at, \
                             closed_on, created_at, updated_at, consent_override_entry) ",
                        );
                        q.push_values(rows, |mut b, r| {
                            b.push_bind(r.id)
                                .push_bind(r.family)
                                .push_bind(r.route)
                                .push_bind(r.locality)
                                .push_bind(r.urgent)
                                .push_bind(r.re_referral)
                                .push_bind(r.status)
                                .push_bind(&r.state)
                                .push_bind(r.reason)
                                .push_bind(r.referred_by)
                                .push_bind(r.organisation)
                                .push_bind(r.sign_off_by)
                                .push_bind(&r.checklist)
                                .push_bind(r.panel)
                                .push_bind(r.meeting_date)
                                .push_bind(r.escalated_at)
                                .push_bind(r.closed_on)
                                .push_bind(r.created_at)
                                .push_bind(r.updated_at)
                                .push_bind(r.consent_override_entry);
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                    for rows in referrals.history.chunks(BATCH) {
                        let mut q = QueryBuilder::new(
                            "INSERT INTO referral_history (referral_id, seq, event, from_status, to_status, detail, at, by_user_id) ",
                        );
                        q.push_values(rows, |mut b, h| {
                            b.push_bind(h.referral)
                                .push_bind(h.seq)
                                .push_bind(h.event)
                                .push_bind(h.from)
                                .push_bind(h.to)
                                .push_bind(&h.detail)
                                .push_bind(h.at)
                                .push_bind(h.by);
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                    for rows in involvement.invitations.chunks(BATCH) {
                        let mut q = QueryBuilder::new("INSERT INTO case_invitations (family_id, panel_id, organisation_id, invited_at) ");
                        q.push_values(rows, |mut b, (family, panel, org)| {
                            b.push_bind(*family).push_bind(*panel).push_bind(*org).push_bind(now);
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                }
            });
        }

        write!(self, tx, kind => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
                .bind(LOADED_KEY)
                .bind(format!("seed={};families={};today={}", spec.seed, loaded, spec.today))
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, self, AuditEntry::new(None, "county.load_families", "county", None)
                .personal(format!("families={loaded}")));
        });
        self.plan_meetings(crate::meetings::planning_horizon(self.clock.today())).await?;
        self.attach_accepted_referrals().await?;
        let lead = county::demo_sign_ins(county)
            .into_iter()
            .find(|(role, _)| *role == domain::role::Role::LeadProfessional)
            .and_then(|(_, email)| county.staff.iter().find(|s| s.email == email))
            .map(|s| s.id);
        self.load_meeting_history(8, lead).await?;
        let chair = county::demo_sign_ins(county)
            .into_iter()
            .find(|(role, _)| *role == domain::role::Role::PanelChair)
            .and_then(|(_, email)| county.staff.iter().find(|s| s.email == email))
            .map(|s| s.id);
        self.bring_back_a_demo_plan(lead, chair).await?;
        Ok(())
    }

    /// For the demo, on a working day: the panel of the demo's chair meets today. Its next
    /// meeting is moved to today by its business support, as they could on the meeting page,
    /// so someone trying the product can chair a meeting in the live view and follow it
    /// whatever the weekday. (Not part of [`Store::load_county`]: a seeded county for tests
    /// and benchmarks keeps every meeting on its cadence.)
    pub async fn meet_today_for_the_demo(&self, county: &County) -> Result<(), StoreError> {
        let today = self.clock.today();
        if !self.working_calendar().await?.is_working_day(today) {
            return Ok(());
        }
        let chair = county::demo_sign_ins(county)
            .into_iter()
            .find(|(role, _)| *role == domain::role::Role::PanelChair)
            .and_then(|(_, email)| county.staff.iter().find(|s| s.email == email))
            .map(|s| s.id);
        let Some(panel) = county.panels.iter().find(|p| chair.is_some_and(|c| p.chairs.contains(&c))) else {
            return Ok(());
        };
        let next: Option<(Uuid, Date, i64)> = read!(self, db => sqlx::query_as(
            "SELECT id, meeting_date, version FROM meetings WHERE panel_id = $1 AND meeting_date >= $2 AND status <> 'cancelled' \
             ORDER BY meeting_date LIMIT 1",
        )
        .bind(panel.id.0)
        .bind(today)
        .fetch_optional(db)
        .await?);
        match next {
            Some((meeting, date, version)) if date != today => self
                .move_meeting_by(MeetingId(meeting), panel.business_support, today, version, None)
                .await
                .map_err(|e| StoreError::Corrupt(format!("the demo's meeting today: {e}"))),
            _ => Ok(()),
        }
    }

    /// Whether the database already holds staff accounts: a synthetic county, whose accounts
    /// share a published password, must never be loaded beside real ones.
    pub async fn has_staff(&self) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = read!(self, db => sqlx::query_as("SELECT 1 FROM users LIMIT 1").fetch_optional(db).await?);
        Ok(row.is_some())
    }

    /// How many families are held: for the command line's report after seeding.
    pub async fn family_count_for_operator(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = read!(self, db => sqlx::query_as("SELECT COUNT(*) FROM families").fetch_one(db).await?);
        Ok(n)
    }
}

/// The rows a batch of families' consent and connections become.
#[derive(Default)]
struct Involvement {
    consents: Vec<ConsentRow>,
    /// (consent, family, organisation), for live consents only.
    exclusions: Vec<(Uuid, Uuid, Uuid)>,
    /// (family, user, role, since).
    workers: Vec<(Uuid, Uuid, &'static str, time::Date)>,
    /// (family, panel, since).
    panels: Vec<(Uuid, Uuid, time::Date)>,
    /// (family, panel, organisation).
    invitations: Vec<(Uuid, Uuid, Uuid)>,
}

/// What the synthetic families consented to: a referral and discussion at panel.
const COUNTY_SCOPES: &str = "early_help_referral panel_discussion";

struct ConsentRow {
    id: Uuid,
    family: Uuid,
    given_by: String,
    given_by_person: Option<Uuid>,
    given_on: time::Date,
    method: &'static str,
    review_due: time::Date,
    withdrawn_on: Option<time::Date>,
}

impl Involvement {
    fn rows(families: &[county::Family]) -> Self {
        let mut out = Self::default();
        for f in families {
            let i = &f.involvement;
            let Some(c) = &i.consent else { continue };
            // Consent ids are the one part of a loaded county not drawn from the seed: nothing
            // refers to them from outside the database.
            let id = Uuid::now_v7();
            let adults: Vec<&county::Person> = f
                .people
                .iter()
                .filter(|p| p.household_role != domain::family::HouseholdRole::Child)
                .collect();
            let giver = adults.get(c.given_by).or(adults.first()).map_or_else(
                || "The family".to_owned(),
                |p| format!("{} {} ({})", p.given_name, p.family_name, p.household_role.label().to_lowercase()),
            );
            out.consents.push(ConsentRow {
                id,
                family: f.id.0,
                given_by_person: adults.get(c.given_by).or(adults.first()).map(|p| p.id.0),
                given_by: giver,
                given_on: c.given_on,
                method: if c.written { "written" } else { "verbal" },
                review_due: c.review_due,
                withdrawn_on: c.withdrawn_on,
            });
            // Exclusions outlive a withdrawal: a family's "not the police" is never lifted by
            // silence, only by a later consent that says so.
            for org in &c.excluded {
                out.exclusions.push((id, f.id.0, org.0));
            }
            let since = c.given_on;
            if let Some(lead) = i.lead_professional {
                out.workers.push((f.id.0, lead.0, "lead_professional", since));
            }
            for member in &i.team {
                out.workers.push((f.id.0, member.0, "team_around_the_family", since));
            }
            if let Some(panel) = i.panel {
                out.panels.push((f.id.0, panel.0, since));
                for org in &i.invited {
                    out.invitations.push((f.id.0, panel.0, org.0));
                }
            }
        }
        out
    }
}

/// The rows a batch of families' referrals become, each replayed through the domain's state
/// machine (so the demo holds only referrals the rules could have produced).
#[derive(Default)]
struct ReferralRows {
    referrals: Vec<ReferralRow>,
    history: Vec<HistoryRow>,
    /// (id, family, decided by, decided on, recorded at, urgent, override): the sharing each
    /// referral was.
    sharing: Vec<SharingRow>,
}

type SharingRow = (Uuid, Uuid, Uuid, time::Date, time::OffsetDateTime, bool, Option<county::Override>);

struct ReferralRow {
    id: Uuid,
    family: Uuid,
    route: &'static str,
    locality: Uuid,
    urgent: bool,
    re_referral: bool,
    status: &'static str,
    state: String,
    reason: &'static str,
    referred_by: Uuid,
    organisation: Option<Uuid>,
    sign_off_by: Option<Uuid>,
    checklist: String,
    panel: Option<Uuid>,
    meeting_date: Option<time::Date>,
    escalated_at: Option<time::OffsetDateTime>,
    closed_on: Option<time::Date>,
    created_at: time::OffsetDateTime,
    updated_at: time::OffsetDateTime,
    consent_override_entry: Option<Uuid>,
}

struct HistoryRow {
    referral: Uuid,
    seq: i64,
    event: &'static str,
    from: &'static str,
    to: &'static str,
    detail: String,
    at: time::OffsetDateTime,
    by: Uuid,
}

impl ReferralRows {
    fn replay(
        county: &County,
        families: &[county::Family],
        organisation_of: &std::collections::HashMap<domain::UserId, domain::OrganisationId>,
        now: time::OffsetDateTime,
    ) -> Result<Self, StoreError> {
        use domain::referral::{NewReferral, PanelSlot, PreviousReferral, Referral, ReferralEvent, ReferralState, is_re_referral};
        let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("synthetic referral: {e}"));
        // Consent the synthetic families gave covers a referral and panel discussion.
        let consent = domain::consent::ConsentStanding {
            early_help_referral: true,
            panel_discussion: true,
            ..Default::default()
        };
        let mut out = Self::default();
        for f in families {
            let chair = county
                .panels
                .iter()
                .find(|p| p.locality == f.locality && !p.chairs.is_empty())
                .map(|p| p.chairs[0]);
            let mut previous: Vec<PreviousReferral> = Vec::new();
            for r in &f.involvement.referrals {
                let facts = NewReferral {
                    family: f.id,
                    route: r.route,
                    locality: f.locality,
                    urgent: r.urgent,
                    re_referral: is_re_referral(&previous, r.made_on),
                };
                let mut referral = Referral::restore(r.id, facts, ReferralState::Draft).map_err(|e| corrupt(&e))?;
                // Events a day or so apart from the morning it was made, never later than now.
                let mut at = crate::engine::db_instant(r.made_on.with_time(time::macros::time!(9:30)).assume_utc()).min(now);
                let screener = chair.unwrap_or(r.referred_by);
                let all_ticked: std::collections::BTreeSet<_> = r.route.checklist().iter().copied().collect();
                let mut events: Vec<(ReferralEvent<'_>, domain::UserId)> = vec![(ReferralEvent::Submit, r.referred_by)];
                let signed = !r.route.checklist().is_empty() && !matches!(r.stage, county::Stage::AwaitingSignOff);
                if signed {
                    events.push((ReferralEvent::SignOff { completed: &all_ticked }, r.sign_off_by.unwrap_or(screener)));
                }
                let (panel, meeting_date, closed_on) = match r.stage {
                    county::Stage::Returned { reason } => {
                        events.push((ReferralEvent::Return { reason }, screener));
                        (None, None, None)
                    }
                    county::Stage::AcceptedForPanel { panel, meeting } => {
                        events.push((
                            ReferralEvent::Accept {
                                slot: PanelSlot::ProposedDate(meeting),
                                consent: &consent,
                            },
                            screener,
                        ));
                        (Some(panel.0), Some(meeting), None)
                    }
                    county::Stage::Closed { on } => {
                        events.push((
                            ReferralEvent::Accept {
                                slot: PanelSlot::ProposedDate(on),
                                consent: &consent,
                            },
                            screener,
                        ));
                        events.push((ReferralEvent::Close, screener));
                        (None, Some(on), Some(on))
                    }
                    county::Stage::AwaitingSignOff | county::Stage::AwaitingScreening | county::Stage::EscalatedToMash => {
                        (None, None, None)
                    }
                };
                for (seq, (event, by)) in events.into_iter().enumerate() {
                    let (next, entry) = referral.apply(event, at, by).map_err(|e| corrupt(&e))?;
                    out.history.push(HistoryRow {
                        referral: r.id.0,
                        seq: i64::try_from(seq).unwrap_or(0) + 1,
                        event: entry.event.code(),
                        from: entry.from.code(),
                        to: entry.to.code(),
                        detail: serde_json::to_string(&entry.to).map_err(|e| corrupt(&e))?,
                        at,
                        by: by.0,
                    });
                    referral = next;
                    at = (at + time::Duration::hours(26)).min(now);
                }
                let created_at = crate::engine::db_instant(r.made_on.with_time(time::macros::time!(9:30)).assume_utc()).min(now);
                let sharing_id = Uuid::now_v7();
                out.sharing.push((
                    sharing_id,
                    f.id.0,
                    r.referred_by.0,
                    r.made_on,
                    created_at,
                    r.urgent,
                    r.consent_override,
                ));
                out.referrals.push(ReferralRow {
                    id: r.id.0,
                    family: f.id.0,
                    route: r.route.code(),
                    locality: f.locality.0,
                    urgent: referral.is_urgent(),
                    re_referral: referral.is_re_referral(),
                    status: referral.state().code(),
                    state: serde_json::to_string(referral.state()).map_err(|e| corrupt(&e))?,
                    reason: r.reason,
                    referred_by: r.referred_by.0,
                    organisation: organisation_of.get(&r.referred_by).map(|o| o.0),
                    sign_off_by: r.sign_off_by.map(|u| u.0),
                    checklist: if signed {
                        all_ticked.iter().map(|c| c.code()).collect::<Vec<_>>().join(" ")
                    } else {
                        String::new()
                    },
                    panel,
                    meeting_date,
                    escalated_at: referral.is_urgent().then_some(created_at),
                    closed_on,
                    created_at,
                    updated_at: at,
                    consent_override_entry: r.consent_override.map(|_| sharing_id),
                });
                previous.push(PreviousReferral {
                    created_on: r.made_on,
                    closed_on,
                });
            }
        }
        Ok(out)
    }
}
