//! The meetings figures issue 6 asks for, measured on this machine in one run, on SQLite and on
//! PostgreSQL, against the synthetic county at 100 000 families:
//!
//! - building and circulating the agenda of a 40-case meeting of a panel with 30 member
//!   organisations (some families excluding some of them), a fresh meeting each iteration:
//!   business support's view of the agenda (every family confirmed with the policy, the
//!   timetable), then `Store::circulate_agenda` (the per-agency copies, the sharing-log entry
//!   for each agency and family, the e-mails, the audit entry). Target: under 200 ms.
//!   Every iteration checks the result (30 copies; an excluding agency's copy and sharing log
//!   lack the family; one sharing-log entry per copy item), and the audit chain is verified at
//!   the end, so speed is never bought with wrong answers.
//! - the chair's live view under load: 20 signed-in attendees (distinct accounts, each having
//!   signed the meeting's confidentiality declaration) and the chair, each refreshing every
//!   5 seconds for a minute, over HTTP against the real app on its own runtime; latency
//!   percentiles and the share of the CPU the app server used.
//!
//! The county takes a while to load at this size, so it is loaded once per engine and kept:
//! SQLite as a file under `target/bench-cache/`, PostgreSQL as a template database; each run
//! works on a fresh copy. Delete the cache (and `DROP DATABASE earlyhelp_bench_county_…`) to
//! rebuild it.
//!
//! Run with `bench/meetings/run` (or `cargo bench -p earlyhelp-acceptance --bench meetings`); it
//! prints the figures and writes `bench/results/meetings.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    reason = "a bench stops loudly at the first surprise"
)]

mod common;

use common::{commit, loadavg, machine};
use domain::clock::Clock;
use domain::meeting::AgendaSection;
use domain::organisation::IsaStanding;
use domain::panel::Cadence;
use domain::role::Role;
use domain::{FamilyId, MeetingId, OrganisationId, UserId};
use earlyhelp_acceptance::{Browser, demo_password_hash};
use policy::{Authority, Principal};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;
use store::engine::ConnectOptions;
use time::OffsetDateTime;
use time::macros::{date, datetime};
use uuid::Uuid;

/// The county's size.
const FAMILIES: usize = 100_000;
/// Cases on each meeting's agenda.
const CASES: usize = 40;
/// Member organisations on the panel that receive a copy (current ISA signatories).
const MEMBERS: usize = 30;
/// Measured circulations, each of a fresh meeting (one more is run first to warm up).
const ITERATIONS: usize = 20;
/// Attendees refreshing the live view, besides the chair.
const ATTENDEES: usize = 20;
/// How often each of them refreshes.
const REFRESH: Duration = Duration::from_secs(5);
/// How long the live-view load runs.
const LOAD_FOR: Duration = Duration::from_secs(60);
/// The target for building and circulating one agenda.
const TARGET_MS: f64 = 200.0;
/// Bump to rebuild the cached counties (after a change to the county generator).
const CACHE_VERSION: u32 = 1;

/// How often the chair moves on to another case during the live-view load: each move makes
/// every follower's next poll a full answer rather than "not modified".
const CHAIR_MOVES_EVERY: Duration = Duration::from_secs(15);

/// The day the county is generated for, and the clock the store reads while circulating.
const TODAY: time::Date = date!(2026 - 11 - 25);
const NOW: OffsetDateTime = datetime!(2026-11-25 09:00 UTC);

fn spec() -> county::Spec {
    county::Spec {
        seed: 2026,
        families: FAMILIES,
        today: TODAY,
    }
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-client")
        .enable_all()
        .build()
        .unwrap();
    let started_at = OffsetDateTime::now_utc();
    let load_before = loadavg();
    let mut results = Vec::new();
    for engine in [Engine::Sqlite, Engine::Postgres] {
        results.push(runtime.block_on(measure(engine)));
    }
    let report = report(&results, started_at, &load_before, &loadavg());
    println!("{report}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/results/meetings.md");
    std::fs::write(&out, report).unwrap();
    eprintln!("written to {}", out.display());
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// Everything measured on one engine.
struct Figures {
    engine: Engine,
    /// How the county got there: loaded now, or reused (with how long it took to build).
    county: String,
    build: Vec<Duration>,
    circulate: Vec<Duration>,
    total: Vec<Duration>,
    copies: usize,
    copy_items: i64,
    sharing: i64,
    jobs: i64,
    audit_entries: i64,
    live: Live,
}

/// The live-view load's outcome.
struct Live {
    /// Every attendee poll of `/live/now`: its latency and whether it was a full answer.
    samples: Vec<(Duration, bool)>,
    /// The chair's live-view page, loaded after each move.
    chair: Vec<Duration>,
    /// How many times the chair opened a case.
    moves: usize,
    server_cpu_seconds: f64,
    machine_busy: f64,
    wall: Duration,
}

// ---------------------------------------------------------------------------------------------
// The cached county and a fresh copy of it for each run.

fn cache_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("bench-cache")
}

fn postgres_server() -> String {
    std::env::var("EARLYHELP_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn cache_name() -> String {
    format!("earlyhelp_bench_county_{FAMILIES}_v{CACHE_VERSION}")
}

/// A database for this run: a copy of the cached county, removed when dropped.
struct RunDb {
    url: String,
    engine: Engine,
    sqlite_dir: Option<PathBuf>,
    pg_name: Option<String>,
}

impl Drop for RunDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = self.pg_name.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async move {
                    use sqlx::Connection;
                    let mut c = sqlx::PgConnection::connect(&format!("{}/postgres", postgres_server()))
                        .await
                        .unwrap();
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                })
            })
            .join();
        }
    }
}

fn fixed_clock() -> Arc<dyn Clock> {
    Arc::new(earlyhelp_acceptance::MovableClock::new())
}

async fn open(url: &str, clock: Arc<dyn Clock>, max_connections: u32) -> Store {
    let store = Store::connect(
        &ConnectOptions {
            database_url: url.to_owned(),
            max_connections,
        },
        clock,
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    store.with_secrets_key(earlyhelp_acceptance::test_secrets_key())
}

/// Loads the county through the normal path (`Store::load_county`, what `earlyhelp seed` runs).
async fn load_county(url: &str) -> Duration {
    let store = open(url, fixed_clock(), 8).await;
    let spec = spec();
    let county = county::generate(&spec);
    let started = Instant::now();
    store.load_county(&county, &spec, &demo_password_hash()).await.unwrap();
    let took = started.elapsed();
    store.close().await;
    took
}

/// A fresh copy of the cached county, building the cache first if there is none.
async fn fresh_county(engine: Engine) -> (RunDb, String) {
    let dir = cache_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let note = dir.join(format!("{}-{}.txt", cache_name(), engine.name().to_lowercase()));
    let run_id = Uuid::now_v7().simple().to_string();
    match engine {
        Engine::Sqlite => {
            let cached = dir.join(format!("{}.db", cache_name()));
            if !cached.exists() {
                eprintln!(
                    "{}: loading {FAMILIES} families (once; kept in {})",
                    engine.name(),
                    cached.display()
                );
                let build = std::env::temp_dir().join(format!("earlyhelp-bench-build-{run_id}"));
                std::fs::create_dir_all(&build).unwrap();
                let url = format!("sqlite://{}", build.join("county.db").display());
                let took = load_county(&url).await;
                let store = open(&url, fixed_clock(), 1).await;
                store.backup_sqlite(&cached.display().to_string()).await.unwrap();
                store.close().await;
                let _ = std::fs::remove_dir_all(&build);
                std::fs::write(&note, format!("{:.0}", took.as_secs_f64())).unwrap();
            }
            let run_dir = std::env::temp_dir().join(format!("earlyhelp-bench-{run_id}"));
            std::fs::create_dir_all(&run_dir).unwrap();
            let file = run_dir.join("county.db");
            std::fs::copy(&cached, &file).unwrap();
            let db = RunDb {
                url: format!("sqlite://{}", file.display()),
                engine,
                sqlite_dir: Some(run_dir),
                pg_name: None,
            };
            (db, county_note(&note))
        }
        Engine::Postgres => {
            use sqlx::Connection;
            let server = postgres_server();
            let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres")).await.unwrap();
            let template = cache_name();
            let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&template)
                .fetch_optional(&mut admin)
                .await
                .unwrap();
            if exists.is_none() || !note.exists() {
                eprintln!("{}: loading {FAMILIES} families (once; kept as database {template})", engine.name());
                sqlx::query(&format!("DROP DATABASE IF EXISTS {template} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                sqlx::query(&format!("CREATE DATABASE {template}"))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                let took = load_county(&format!("{server}/{template}")).await;
                std::fs::write(&note, format!("{:.0}", took.as_secs_f64())).unwrap();
            }
            let name = format!("earlyhelp_bench_run_{run_id}");
            sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .execute(&mut admin)
                .await
                .unwrap();
            let db = RunDb {
                url: format!("{server}/{name}"),
                engine,
                sqlite_dir: None,
                pg_name: Some(name),
            };
            (db, county_note(&note))
        }
    }
}

fn county_note(note: &Path) -> String {
    let secs = std::fs::read_to_string(note).unwrap_or_default();
    let built = std::fs::metadata(note)
        .and_then(|m| m.modified())
        .ok()
        .map(|t| OffsetDateTime::from(t).date().to_string())
        .unwrap_or_default();
    format!(
        "{FAMILIES} families loaded through `Store::load_county` in {} s (cached {built})",
        secs.trim()
    )
}

// ---------------------------------------------------------------------------------------------
// Arranging the panel and its meetings: what the product has no screen for (membership is
// configuration), written straight to the database before anything is timed.

/// A connection for arranging, with literals written the way each engine reads them.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    async fn connect(db: &RunDb) -> Self {
        match db.engine {
            Engine::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(db.url.trim_start_matches("sqlite://"))
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30));
                Raw::Sqlite(
                    sqlx::sqlite::SqlitePoolOptions::new()
                        .max_connections(1)
                        .connect_with(options)
                        .await
                        .unwrap(),
                )
            }
            Engine::Postgres => Raw::Postgres(sqlx::PgPool::connect(&db.url).await.unwrap()),
        }
    }

    async fn exec(&self, sql: &str) {
        match self {
            Raw::Sqlite(p) => {
                sqlx::raw_sql(sql).execute(p).await.unwrap();
            }
            Raw::Postgres(p) => {
                sqlx::raw_sql(sql).execute(p).await.unwrap();
            }
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
            Raw::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        }
    }

    async fn ids(&self, sql: &str) -> Vec<Uuid> {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
            Raw::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        }
    }

    async fn pairs(&self, sql: &str) -> Vec<(Uuid, Uuid)> {
        match self {
            Raw::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
            Raw::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        }
    }

    fn id(&self, id: Uuid) -> String {
        match self {
            Raw::Sqlite(_) => format!("X'{}'", id.simple()),
            Raw::Postgres(_) => format!("'{id}'"),
        }
    }

    async fn close(self) {
        match self {
            Raw::Sqlite(p) => p.close().await,
            Raw::Postgres(p) => p.close().await,
        }
    }
}

/// Twelve more member agencies (synthetic, on `.example` domains), each a current signatory
/// with a core seat held by its staff, and two agency representatives each.
const MORE_AGENCIES: [(&str, &str, &str); 12] = [
    ("Brackenfield Primary School", "school", "brackenfield.schools.northmere.example"),
    ("Hollins Lane Primary School", "school", "hollinslane.schools.northmere.example"),
    (
        "St Aidan's Church of England Primary School",
        "school",
        "staidans.schools.northmere.example",
    ),
    ("Marrowby High School", "school", "marrowbyhigh.schools.northmere.example"),
    ("Fenwick Nursery School", "school", "fenwicknursery.schools.northmere.example"),
    ("Northmere Pupil Referral Unit", "school", "pru.schools.northmere.example"),
    ("Marrowby Community Pantry", "voluntary", "marrowbypantry.example"),
    ("Northmere Young Carers", "voluntary", "youngcarers-northmere.example"),
    ("Northmere Family Mediation", "voluntary", "familymediation-northmere.example"),
    ("Marrowby Community Housing Association", "housing", "marrowbyhousing.example"),
    ("Northmere Early Years Service", "childrens_centre", "earlyyears.northmere.example"),
    ("Northmere Perinatal Support Service", "midwifery", "perinatal.nmch.nhs.example"),
];

const GIVEN: [&str; 8] = ["Aisha", "Tom", "Priya", "Callum", "Megan", "Owen", "Zara", "Lewis"];
const SURNAMES: [&str; 8] = ["Hartley", "Okafor", "Brennan", "Whitlock", "Sandhu", "Marsh", "Kowalski", "Pryce"];

/// The panel, its people and the meetings the bench uses.
struct Arranged {
    bso: Principal,
    chair: (Principal, String),
    police: (Principal, String),
    /// Representatives of the added agencies: (principal, e-mail).
    reps: Vec<(Principal, String)>,
    /// The meetings, each with its cases' families.
    meetings: Vec<(MeetingId, Vec<FamilyId>)>,
    /// Each family's excluded organisations.
    exclusions: BTreeMap<FamilyId, BTreeSet<OrganisationId>>,
}

fn principal(county: &county::County, user: UserId) -> Principal {
    let s = county.staff.iter().find(|s| s.id == user).unwrap();
    Principal {
        user,
        organisation: s.organisation,
        roles: s.roles.clone(),
        isa: county.isa_standing(s.organisation).unwrap(),
        mfa_passed: false,
    }
}

async fn arrange(db: &RunDb, county: &county::County) -> Arranged {
    let raw = Raw::connect(db).await;
    let panel = county
        .panels
        .iter()
        .find(|p| {
            p.cadence
                == Cadence::Weekly {
                    weekday: time::Weekday::Tuesday,
                }
        })
        .expect("the weekly multi-agency panel")
        .clone();
    let at = "'2026-11-25T09:00:00Z'";
    let mut sql = String::new();
    // The county's agencies not yet on the panel join it as core members, seats held by their staff.
    let seated: BTreeSet<OrganisationId> = panel.members.iter().map(|m| m.organisation).collect();
    for o in &county.organisations {
        if !seated.contains(&o.id) && county.isa_standing(o.id) == Some(IsaStanding::Current) {
            let _ = write!(
                sql,
                "INSERT INTO panel_members (panel_id, organisation_id, user_id, membership) VALUES ({}, {}, NULL, 'core');",
                raw.id(panel.id.0),
                raw.id(o.id.0)
            );
        }
    }
    let hash = demo_password_hash();
    let mut reps = Vec::new();
    for (i, (name, kind, domain)) in MORE_AGENCIES.iter().enumerate() {
        let org = OrganisationId(Uuid::now_v7());
        let _ = write!(
            sql,
            "INSERT INTO organisations (id, name, kind, secure_email_domain, address, isa_state, isa_signed_on, isa_signatory, \
             isa_review_due, mfa_required, created_at) VALUES ({}, '{}', '{kind}', '{domain}', '{} Station Road, Marrowby NX1 4AB', \
             'signed', '2026-03-01', 'Headteacher', '2028-03-01', FALSE, {at});\
             INSERT INTO panel_members (panel_id, organisation_id, user_id, membership) VALUES ({}, {}, NULL, 'core');",
            raw.id(org.0),
            name.replace('\'', "''"),
            i + 1,
            raw.id(panel.id.0),
            raw.id(org.0)
        );
        for j in 0..2 {
            let user = UserId(Uuid::now_v7());
            let n = i * 2 + j;
            let (given, surname) = (GIVEN[n % GIVEN.len()], SURNAMES[(n / GIVEN.len() + n) % SURNAMES.len()]);
            let email = format!("{}.{}{n}@{domain}", given.to_lowercase(), surname.to_lowercase());
            let _ = write!(
                sql,
                "INSERT INTO users (id, organisation_id, email, given_name, family_name, job_title, password_hash, \
                 must_change_password, active, created_at) VALUES ({}, {}, '{email}', '{given}', '{surname}', \
                 'Designated safeguarding lead', '{hash}', FALSE, TRUE, {at});\
                 INSERT INTO user_roles (user_id, role) VALUES ({}, 'agency_representative');",
                raw.id(user.0),
                raw.id(org.0),
                raw.id(user.0)
            );
            reps.push((
                Principal {
                    user,
                    organisation: org,
                    roles: vec![Role::AgencyRepresentative],
                    isa: IsaStanding::Current,
                    mfa_passed: false,
                },
                email,
            ));
        }
    }
    raw.exec(&sql).await;
    let members = raw
        .count(&format!(
            "SELECT COUNT(DISTINCT pm.organisation_id) FROM panel_members pm JOIN organisations o ON o.id = pm.organisation_id \
             WHERE pm.panel_id = {} AND o.isa_state = 'signed' AND o.isa_review_due >= '{TODAY}'",
            raw.id(panel.id.0)
        ))
        .await;
    assert_eq!(
        members, MEMBERS as i64,
        "the panel has {MEMBERS} member organisations that receive the list"
    );

    // The police's named representative attends too, with the second factor lifted as the
    // acceptance tests do (this is not a bench of sign-in).
    let police_org = county
        .organisations
        .iter()
        .find(|o| o.kind == domain::organisation::OrganisationKind::Police)
        .unwrap()
        .id;
    let police_user = panel
        .members
        .iter()
        .find(|m| m.organisation == police_org)
        .and_then(|m| m.user)
        .expect("the police have a named representative on the panel");
    raw.exec(&format!(
        "UPDATE organisations SET mfa_required = FALSE WHERE id = {}",
        raw.id(police_org.0)
    ))
    .await;

    // Families whose case the panel holds and that are on no agenda yet, some of them
    // excluding the police or housing, as the county's consent records have them.
    let free = raw
        .ids(&format!(
            "SELECT fp.family_id FROM family_panels fp WHERE fp.panel_id = {} AND fp.until IS NULL \
             AND NOT EXISTS (SELECT 1 FROM agenda_items ai WHERE ai.family_id = fp.family_id) ORDER BY fp.family_id",
            raw.id(panel.id.0)
        ))
        .await;
    let excluded_rows = raw
        .pairs(&format!(
            "SELECT x.family_id, x.organisation_id FROM family_exclusions x JOIN family_panels fp ON fp.family_id = x.family_id \
             WHERE fp.panel_id = {} AND fp.until IS NULL",
            raw.id(panel.id.0)
        ))
        .await;
    let mut exclusions: BTreeMap<FamilyId, BTreeSet<OrganisationId>> = BTreeMap::new();
    for (f, o) in excluded_rows {
        exclusions.entry(FamilyId(f)).or_default().insert(OrganisationId(o));
    }
    let (mut excluding, mut plain): (Vec<FamilyId>, Vec<FamilyId>) =
        free.into_iter().map(FamilyId).partition(|f| exclusions.contains_key(f));
    let meetings = raw
        .ids(&format!(
            "SELECT m.id FROM meetings m WHERE m.panel_id = {} AND m.status = 'planned' AND m.meeting_date > '{TODAY}' \
             AND NOT EXISTS (SELECT 1 FROM agenda_items ai WHERE ai.meeting_id = m.id) ORDER BY m.meeting_date",
            raw.id(panel.id.0)
        ))
        .await;
    assert!(meetings.len() > ITERATIONS, "enough planned meetings without cases");
    let sections = [
        AgendaSection::NewReferrals,
        AgendaSection::PlanReviews,
        AgendaSection::StepDowns,
        AgendaSection::StuckCases,
    ];
    let mut arranged_meetings = Vec::new();
    for meeting in meetings.into_iter().take(ITERATIONS + 1) {
        // Six of the forty exclude an agency: about the county's own share.
        let mut families: Vec<FamilyId> = excluding.drain(..6).collect();
        families.extend(plain.drain(..CASES - 6));
        let mut values = Vec::new();
        for (i, f) in families.iter().enumerate() {
            let section = sections[i % sections.len()];
            values.push(format!(
                "({}, {}, '{}', {}, {}, {}, FALSE, {}, {at})",
                raw.id(Uuid::now_v7()),
                raw.id(meeting),
                section.code(),
                i / sections.len() + 1,
                raw.id(f.0),
                section.default_minutes(),
                raw.id(panel.business_support.0)
            ));
        }
        raw.exec(&format!(
            "INSERT INTO agenda_items (id, meeting_id, section, position, family_id, minutes, late, added_by, added_at) VALUES {}",
            values.join(", ")
        ))
        .await;
        arranged_meetings.push((MeetingId(meeting), families));
    }
    raw.close().await;
    let chair_user = panel.chairs[0];
    let chair_email = county.staff.iter().find(|s| s.id == chair_user).unwrap().email.to_string();
    let police_email = county.staff.iter().find(|s| s.id == police_user).unwrap().email.to_string();
    Arranged {
        bso: principal(county, panel.business_support),
        chair: (principal(county, chair_user), chair_email),
        police: (principal(county, police_user), police_email),
        reps,
        meetings: arranged_meetings,
        exclusions,
    }
}

// ---------------------------------------------------------------------------------------------
// Building and circulating.

async fn measure(engine: Engine) -> Figures {
    let (db, county_note) = fresh_county(engine).await;
    eprintln!("{}: {county_note}", engine.name());
    let county = county::generate(&spec());
    let arranged = arrange(&db, &county).await;
    let store = open(&db.url, fixed_clock(), 8).await;
    let authority = Authority::new().unwrap();
    let raw = Raw::connect(&db).await;
    store.audit_chained().await;
    let audit_before = raw.count("SELECT COUNT(*) FROM audit_log").await;

    let (mut build, mut circulate, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let (mut copies, mut copy_items, mut sharing, mut jobs) = (0, 0, 0, 0);
    for (i, (meeting, families)) in arranged.meetings.iter().enumerate() {
        let facts = store.meeting_facts(&arranged.bso, *meeting).await.unwrap().unwrap();
        let jobs_before = raw.count("SELECT COUNT(*) FROM jobs").await;

        let started = Instant::now();
        // Business support's agenda: the meeting, its cases each confirmed with the policy,
        // and the timetable over what they are shown.
        let view = authority.decide_meeting(&arranged.bso, policy::ViewMeeting, &facts).unwrap();
        let record = store.meeting(&view).await.unwrap().unwrap();
        let prepare = authority.decide_meeting(&arranged.bso, policy::PrepareAgenda, &facts).unwrap();
        let cases = store.agenda_cases(&prepare, "127.0.0.1").await.unwrap();
        let shown: Vec<_> = cases
            .iter()
            .filter(|c| authority.decide_family(&arranged.bso, policy::ViewFamily, &c.facts).is_ok())
            .map(|c| (c.section, c.position, c.minutes))
            .collect();
        let times = Store::timetable_of(record.starts_at, &shown);
        let built = started.elapsed();
        let n = store.circulate_agenda(&prepare, "127.0.0.1").await.unwrap();
        let took = started.elapsed();

        assert_eq!(cases.len(), CASES, "every case is on the agenda");
        assert_eq!(times.len(), shown.len());
        let made = check_circulation(&raw, &store, &authority, &arranged, *meeting, families, n).await;
        if i > 0 {
            build.push(built);
            circulate.push(took - built);
            total.push(took);
            copies = n;
            copy_items = made.0;
            sharing = made.1;
            jobs = raw.count("SELECT COUNT(*) FROM jobs").await - jobs_before;
        }
    }
    store.audit_chained().await;
    let audit_entries = raw.count("SELECT COUNT(*) FROM audit_log").await - audit_before;
    let verified = store.verify_audit_chain().await.unwrap();
    assert!(verified.is_ok(), "the audit chain verifies after the circulations: {verified:?}");
    raw.close().await;
    store.close().await;

    let live = live_load(&db, &arranged).await;
    Figures {
        engine,
        county: county_note,
        build,
        circulate,
        total,
        copies,
        copy_items,
        sharing,
        jobs,
        audit_entries,
        live,
    }
}

/// Checks one circulation's result against what was arranged, independently of the code
/// that made it; returns (copy items, sharing-log entries) for the meeting.
async fn check_circulation(
    raw: &Raw,
    store: &Store,
    authority: &Authority,
    arranged: &Arranged,
    meeting: MeetingId,
    families: &[FamilyId],
    n: usize,
) -> (i64, i64) {
    let m = raw.id(meeting.0);
    assert_eq!(n, MEMBERS, "one copy per member organisation");
    assert_eq!(
        raw.count(&format!("SELECT COUNT(*) FROM agenda_copies WHERE meeting_id = {m}"))
            .await,
        MEMBERS as i64
    );
    let items = raw
        .count(&format!("SELECT COUNT(*) FROM agenda_copy_items WHERE meeting_id = {m}"))
        .await;
    let family_list = families.iter().map(|f| raw.id(f.0)).collect::<Vec<_>>().join(", ");
    let shared = raw
        .count(&format!(
            "SELECT COUNT(*) FROM sharing_log WHERE family_id IN ({family_list}) AND purpose = 'Agency checks before the panel meeting'"
        ))
        .await;
    assert_eq!(shared, items, "one sharing-log entry per agency and family sent");
    // No copy holds, and no sharing-log entry records, a family that excluded the agency.
    for f in families {
        for o in arranged.exclusions.get(f).into_iter().flatten() {
            let on_copy = raw
                .count(&format!(
                    "SELECT COUNT(*) FROM agenda_copy_items ci JOIN agenda_items ai ON ai.id = ci.agenda_item_id \
                     WHERE ci.meeting_id = {m} AND ci.organisation_id = {} AND ai.family_id = {}",
                    raw.id(o.0),
                    raw.id(f.0)
                ))
                .await;
            let logged = raw
                .count(&format!(
                    "SELECT COUNT(*) FROM sharing_log WHERE family_id = {} AND recipient_organisation_id = {} \
                     AND purpose = 'Agency checks before the panel meeting'",
                    raw.id(f.0),
                    raw.id(o.0)
                ))
                .await;
            assert_eq!((on_copy, logged), (0, 0), "a family that excluded an agency is not on its copy");
        }
    }
    // The police's own copy, read as the police read it, lacks exactly the families that
    // excluded them and holds every other case.
    let police = &arranged.police.0;
    let facts = store.meeting_facts(police, meeting).await.unwrap().unwrap();
    let permit = authority.decide_meeting(police, policy::ViewAgendaCopy, &facts).unwrap();
    let copy = store.agenda_copy(&permit, "127.0.0.1").await.unwrap();
    let excluding_police = families
        .iter()
        .filter(|f| arranged.exclusions.get(f).is_some_and(|x| x.contains(&police.organisation)))
        .count();
    assert!(excluding_police > 0, "some family on the agenda excludes the police");
    assert_eq!(
        copy.cases.len(),
        CASES - excluding_police,
        "the police copy lacks the families that excluded them"
    );
    // Every core member that no family excluded has every case.
    let core_free: Vec<OrganisationId> = arranged.reps.iter().map(|(p, _)| p.organisation).collect();
    for o in core_free.iter().take(1) {
        let held = raw
            .count(&format!(
                "SELECT COUNT(*) FROM agenda_copy_items WHERE meeting_id = {m} AND organisation_id = {}",
                raw.id(o.0)
            ))
            .await;
        assert_eq!(held, CASES as i64, "a core member no family excluded has every case");
    }
    (items, shared)
}

// ---------------------------------------------------------------------------------------------
// The live view under load, over HTTP.

/// The store's clock during the load: the county's morning, running in real time, so sessions
/// are touched as they would be.
#[derive(Debug)]
struct RunningClock {
    from: Instant,
}

impl Clock for RunningClock {
    fn now(&self) -> OffsetDateTime {
        NOW + self.from.elapsed()
    }
}

async fn live_load(db: &RunDb, arranged: &Arranged) -> Live {
    // The app on a runtime of its own, on threads of its own, so its CPU time can be told
    // from the clients'.
    let url = db.url.clone();
    let (ready, base) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::Builder::new()
        .name("eh-server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("eh-server")
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let store = open(&url, Arc::new(RunningClock { from: Instant::now() }), 16).await;
                let config = web::WebConfig {
                    secure_cookies: false,
                    ..Default::default()
                };
                let state = web::AppState::new(store.clone(), config).await.unwrap();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                tokio::spawn(async move {
                    let _ = axum::serve(listener, web::router(state).into_make_service_with_connect_info::<SocketAddr>()).await;
                });
                ready.send(format!("http://{addr}")).unwrap();
                let _ = stopped.await;
                store.close().await;
            });
            runtime.shutdown_timeout(Duration::from_secs(5));
        })
        .unwrap();
    let base = tokio::task::spawn_blocking(move || base.recv().unwrap()).await.unwrap();
    let (meeting, families) = &arranged.meetings[0];
    let meeting = *meeting;

    // Twenty attendees (the police's representative and nineteen of the added agencies') and
    // the chair sign in and sign the meeting's declaration.
    let mut people: Vec<(String, bool)> = vec![(arranged.police.1.clone(), false)];
    people.extend(arranged.reps.iter().take(ATTENDEES - 1).map(|(_, e)| (e.clone(), false)));
    people.push((arranged.chair.1.clone(), true));
    let distinct: BTreeSet<&String> = people.iter().map(|(e, _)| e).collect();
    assert_eq!(distinct.len(), ATTENDEES + 1, "distinct accounts");
    let mut browsers = Vec::new();
    for (email, chair) in &people {
        let b = Browser::new(&base);
        let signed = b.sign_in(email, county::DEMO_PASSWORD).await;
        assert_eq!(signed.status, 303, "{email} signs in: {}", signed.body);
        let declared = b
            .submit(&format!("/meetings/{meeting}"), &format!("/meetings/{meeting}/declaration"), &[])
            .await;
        assert_eq!(declared.status, 303, "{email} signs the declaration: {}", declared.body);
        browsers.push((b, *chair, email.clone()));
    }

    // What each must (not) see: a family that excluded the police is never named to them.
    let police_org = arranged.police.0.organisation;
    let hidden_from_police = families
        .iter()
        .find(|f| arranged.exclusions.get(f).is_some_and(|x| x.contains(&police_org)))
        .copied()
        .unwrap();
    let shown_to_all = families.iter().find(|f| !arranged.exclusions.contains_key(f)).copied().unwrap();
    let hidden_address = address_of(db, hidden_from_police).await;

    // The meeting is held today, so the chair can open its cases; they take turns, the
    // hidden family's among the first.
    let raw = Raw::connect(db).await;
    raw.exec(&format!(
        "UPDATE meetings SET meeting_date = '{TODAY}' WHERE id = {}",
        raw.id(meeting.0)
    ))
    .await;
    let mut turns = Vec::new();
    for f in [shown_to_all, hidden_from_police].into_iter().chain(families.iter().copied()) {
        let item = item_of(&raw, meeting, f).await;
        if !turns.contains(&item) {
            turns.push(item);
        }
    }
    raw.close().await;

    let cpu_before = server_cpu_seconds();
    let busy_before = machine_ticks();
    let started = Instant::now();
    let mut tasks = Vec::new();
    let mut chair_browser = None;
    let total = browsers.len();
    for (i, (b, chair, email)) in browsers.into_iter().enumerate() {
        if chair {
            chair_browser = Some(b);
            continue;
        }
        let path = format!("/meetings/{meeting}/live/now");
        let police = email == arranged.police.1;
        let hidden = hidden_address.clone();
        tasks.push(tokio::spawn(async move {
            // Spread over the first interval, as people arrive at different moments.
            tokio::time::sleep(REFRESH.mul_f64(i as f64 / total as f64)).await;
            let mut tick = tokio::time::interval(REFRESH);
            let mut samples = Vec::new();
            let mut etag = String::new();
            let began = Instant::now();
            while began.elapsed() < LOAD_FOR {
                tick.tick().await;
                let t = Instant::now();
                let page = if etag.is_empty() {
                    b.get(&path).await
                } else {
                    b.get_with_headers(&path, &[("If-None-Match", &etag)]).await
                };
                let full = page.status == 200;
                samples.push((t.elapsed(), full));
                assert!(full || page.status == 304, "{email} polls {path}: {}", page.status);
                if full {
                    etag = page
                        .headers
                        .get("etag")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    assert!(!etag.is_empty(), "a full answer names its version");
                    if police {
                        assert!(!page.shows(&hidden), "a family that excluded the police is never named to them");
                    }
                }
            }
            samples
        }));
    }
    // The chair opens one case after another, loading the live view each time.
    let chair = chair_browser.expect("the chair signed in");
    let chair_task = tokio::spawn(async move {
        let mut samples = Vec::new();
        let mut moves = 0;
        let mut tick = tokio::time::interval(CHAIR_MOVES_EVERY);
        let began = Instant::now();
        while began.elapsed() < LOAD_FOR {
            tick.tick().await;
            let item = turns[moves % turns.len()];
            let t = Instant::now();
            let live = chair.get(&format!("/meetings/{meeting}/live?item={item}")).await;
            samples.push(t.elapsed());
            assert_eq!(live.status, 200, "the chair's live view: {}", live.body);
            let opened = chair
                .post(
                    &format!("/meetings/{meeting}/live/open"),
                    &[("csrf", &live.csrf()), ("item", &item.to_string())],
                )
                .await;
            assert_eq!(opened.status, 303, "the chair opens a case: {}", opened.body);
            moves += 1;
        }
        (samples, moves)
    });
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await.unwrap());
    }
    let (chair_samples, moves) = chair_task.await.unwrap();
    let wall = started.elapsed();
    let server_cpu = server_cpu_seconds() - cpu_before;
    let (busy, all) = machine_ticks();
    let machine_busy = (busy - busy_before.0) as f64 / (all - busy_before.1).max(1) as f64;
    let _ = stop.send(());
    tokio::task::spawn_blocking(move || server.join().unwrap()).await.unwrap();
    Live {
        samples,
        chair: chair_samples,
        moves,
        server_cpu_seconds: server_cpu,
        machine_busy,
        wall,
    }
}

/// The agenda item of one family's case at a meeting.
async fn item_of(raw: &Raw, meeting: MeetingId, family: FamilyId) -> uuid::Uuid {
    let sql = format!(
        "SELECT id FROM agenda_items WHERE meeting_id = {} AND family_id = {} AND removed_at IS NULL",
        raw.id(meeting.0),
        raw.id(family.0)
    );
    match raw {
        Raw::Sqlite(p) => sqlx::query_scalar(&sql).fetch_one(p).await.unwrap(),
        Raw::Postgres(p) => sqlx::query_scalar(&sql).fetch_one(p).await.unwrap(),
    }
}

async fn address_of(db: &RunDb, family: FamilyId) -> String {
    let raw = Raw::connect(db).await;
    let sql = format!("SELECT address_line FROM families WHERE id = {}", raw.id(family.0));
    let line: String = match &raw {
        Raw::Sqlite(p) => sqlx::query_scalar(&sql).fetch_one(p).await.unwrap(),
        Raw::Postgres(p) => sqlx::query_scalar(&sql).fetch_one(p).await.unwrap(),
    };
    raw.close().await;
    line
}

/// CPU seconds (user and system) used so far by the app server's threads: its runtime's
/// workers and blocking threads, and SQLite's connection threads (only the server's store is
/// open while the load runs).
fn server_cpu_seconds() -> f64 {
    let ticks = clock_ticks();
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !(comm.starts_with("eh-server") || comm.starts_with("sqlx-sqlite")) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: state is 3rd, utime 14th, stime 15th.
        if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0);
            let stime: u64 = fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
            total += utime + stime;
        }
    }
    total as f64 / ticks
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// (busy, total) jiffies of the whole machine, from /proc/stat.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpu: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let all: u64 = cpu.iter().sum();
    let idle = cpu.get(3).copied().unwrap_or(0) + cpu.get(4).copied().unwrap_or(0);
    (all - idle, all)
}

// ---------------------------------------------------------------------------------------------
// The report.

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn quantile(samples: &[Duration], q: f64) -> f64 {
    let mut s = samples.to_vec();
    s.sort_unstable();
    if s.is_empty() {
        return f64::NAN;
    }
    // Nearest rank.
    let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len());
    ms(s[rank - 1])
}

fn report(results: &[Figures], started: OffsetDateTime, load_before: &str, load_after: &str) -> String {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut r = String::new();
    let _ = writeln!(r, "# Meetings: measured figures\n");
    let _ = writeln!(
        r,
        "Produced by `bench/meetings/run` on {} ({cores} cores), {} UTC, commit {}. Load average {load_before} before \
         the run and {load_after} after it (the machine is shared).\n",
        machine(),
        started.date(),
        commit()
    );
    let _ = writeln!(r, "## Building and circulating a 40-case agenda (target under {TARGET_MS:.0} ms)\n");
    let _ = writeln!(
        r,
        "A panel with {MEMBERS} member organisations that receive the list (27 core, 3 extended; two take it by secure \
         e-mail), a meeting with {CASES} cases of which 6 are families excluding the police or housing, on the county at \
         {FAMILIES} families. Each of {ITERATIONS} iterations (after one to warm up) takes a fresh meeting. \"Build\" is \
         business support's agenda: the meeting, its cases each confirmed with the policy, the timetable. \"Circulate\" \
         is `Store::circulate_agenda`: the per-agency copies, a sharing-log entry per agency and family, the e-mail jobs \
         and the audit entry, in one transaction. Every iteration checks the result (30 copies; no copy or sharing-log \
         entry for a family that excluded the agency; the police's copy, read through the product, lacks exactly those \
         families; a core member nobody excluded has all 40), and the audit chain is verified afterwards.\n"
    );
    let _ = writeln!(
        r,
        "| engine | build p50 | build p95 | circulate p50 | circulate p95 | total p50 | total p95 | total max | copies | copy items | sharing-log entries | e-mail jobs |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for f in results {
        let _ = writeln!(
            r,
            "| {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {} | {} | {} | {} |",
            f.engine.name(),
            quantile(&f.build, 0.5),
            quantile(&f.build, 0.95),
            quantile(&f.circulate, 0.5),
            quantile(&f.circulate, 0.95),
            quantile(&f.total, 0.5),
            quantile(&f.total, 0.95),
            quantile(&f.total, 1.0),
            f.copies,
            f.copy_items,
            f.sharing,
            f.jobs
        );
    }
    let _ = writeln!(r);
    for f in results {
        let _ = writeln!(
            r,
            "- {}: {}; {} audit entries written over the {} circulations (one `meeting.circulate` and one `agenda.view` \
             each, plus the police's `agenda_copy.view`), chain verified.",
            f.engine.name(),
            f.county,
            f.audit_entries,
            ITERATIONS + 1
        );
    }
    let _ = writeln!(
        r,
        "\n## The live view: {ATTENDEES} attendees following the meeting, polling every {} s, while the chair moves on\n",
        REFRESH.as_secs()
    );
    let _ = writeln!(
        r,
        "{ATTENDEES} distinct signed-in attendees (each signed the meeting's declaration; one is the police's \
         representative, and every full answer they get is checked not to name a family that excluded the police) poll \
         `/meetings/{{id}}/live/now` every {} s for {} s, spread over the first interval, sending the ETag of what they \
         hold; the chair opens another case every {} s (loading the live view `/meetings/{{id}}/live?item=…`, then \
         posting `live/open`), so after each move every follower's next poll is a full answer and the rest are \
         \"304 Not Modified\". Over HTTP against the real app on its own 2-thread runtime in this process. Server CPU \
         is the app's threads (runtime and SQLite connections; PostgreSQL's own processes are not counted) as a share \
         of one core and of the machine; machine busy is all processes on the machine over the same minute.\n",
        REFRESH.as_secs(),
        LOAD_FOR.as_secs(),
        CHAIR_MOVES_EVERY.as_secs()
    );
    let _ = writeln!(
        r,
        "| engine | polls | of which 304 | poll p50 | poll p95 | poll p99 | poll max | full answer p50 | chair moves | chair's live view p50 | server CPU (of one core) | server CPU (of machine) | machine busy |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for f in results {
        let l = &f.live;
        let core_share = 100.0 * l.server_cpu_seconds / l.wall.as_secs_f64();
        let all: Vec<Duration> = l.samples.iter().map(|(d, _)| *d).collect();
        let full: Vec<Duration> = l.samples.iter().filter(|(_, f)| *f).map(|(d, _)| *d).collect();
        let not_modified = l.samples.len() - full.len();
        let _ = writeln!(
            r,
            "| {} | {} | {not_modified} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {} | {:.1} ms | {core_share:.1} % | {:.1} % | {:.0} % |",
            f.engine.name(),
            all.len(),
            quantile(&all, 0.5),
            quantile(&all, 0.95),
            quantile(&all, 0.99),
            quantile(&all, 1.0),
            quantile(&full, 0.5),
            l.moves,
            quantile(&l.chair, 0.5),
            core_share / cores as f64,
            100.0 * l.machine_busy
        );
    }
    r
}
