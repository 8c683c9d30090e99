//! # earlyhelp-acceptance — the harness the acceptance tests share
//!
//! [`TestDb`] gives each test a fresh database on either engine: a SQLite file in a temporary
//! directory, or a new PostgreSQL database on the local server (dropped afterwards). The
//! [`engines!`] macro turns one async test body into a SQLite test and a PostgreSQL test.
//! [`TestApp`] spawns the real web app on a random port against such a database, with a
//! clock the test can move, and [`Browser`] talks to it over HTTP as a browser would.
//!
//! PostgreSQL comes from `EARLYHELP_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432`).
//! If it cannot be reached, the PostgreSQL half of each test fails under CI (`CI` set) and
//! is skipped with a printed reason elsewhere.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a test harness: failing loudly is its job

use domain::clock::Clock;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use store::Store;
use store::engine::ConnectOptions;
use time::OffsetDateTime;

/// A clock the test moves by hand.
#[derive(Debug, Clone)]
pub struct MovableClock(Arc<Mutex<OffsetDateTime>>);

impl MovableClock {
    /// Starts at a fixed weekday morning, so tests never depend on the real date.
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new(time::macros::datetime!(2026-11-25 09:00 UTC))))
    }

    /// Moves time on.
    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Default for MovableClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for MovableClock {
    fn now(&self) -> OffsetDateTime {
        self.0.lock().map(|t| *t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// A fresh database for one test, removed when dropped.
pub struct TestDb {
    /// The URL to connect to.
    pub url: String,
    _dir: Option<TempDir>,
    pg_name: Option<String>,
}

/// A temporary directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    /// Creates a new empty directory under the system temp dir.
    pub fn new() -> Self {
        let p = std::env::temp_dir().join(format!("earlyhelp-test-{}", uuid::Uuid::now_v7().simple()));
        let _ = std::fs::create_dir_all(&p);
        Self(p)
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn postgres_server() -> String {
    std::env::var("EARLYHELP_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

impl TestDb {
    /// A fresh database on the engine, or `None` (with a printed reason) when PostgreSQL is
    /// not reachable outside CI. Under CI an unreachable PostgreSQL is a failure.
    pub async fn new(engine: Engine) -> Option<Self> {
        match engine {
            Engine::Sqlite => {
                let dir = TempDir::new();
                let url = format!("sqlite://{}", dir.0.join("test.db").display());
                Some(Self {
                    url,
                    _dir: Some(dir),
                    pg_name: None,
                })
            }
            Engine::Postgres => {
                use sqlx::Connection;
                let server = postgres_server();
                let admin = match sqlx::PgConnection::connect(&format!("{server}/postgres")).await {
                    Ok(c) => c,
                    Err(e) => {
                        if std::env::var_os("CI").is_some() {
                            panic!("PostgreSQL at {server} is required under CI: {e}");
                        }
                        eprintln!("skipping the PostgreSQL half: {server} unreachable ({e})");
                        return None;
                    }
                };
                let mut admin = admin;
                let name = format!("earlyhelp_test_{}", uuid::Uuid::now_v7().simple());
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                let _ = admin.close().await;
                Some(Self {
                    url: format!("{server}/{name}"),
                    _dir: None,
                    pg_name: Some(name),
                })
            }
        }
    }

    /// Opens and migrates a store on this database with the given clock, sealing secrets
    /// with [`test_secrets_key`].
    pub async fn store(&self, clock: Arc<dyn Clock>) -> Store {
        self.store_without_secrets_key(clock).await.with_secrets_key(test_secrets_key())
    }

    /// Opens and migrates a store with no secrets key, as a start-up that forgot it would.
    pub async fn store_without_secrets_key(&self, clock: Arc<dyn Clock>) -> Store {
        let store = Store::connect(
            &ConnectOptions {
                database_url: self.url.clone(),
                max_connections: 8,
            },
            clock,
        )
        .await
        .expect("connect to test database");
        store.migrate().await.expect("migrate test database");
        store
    }

    /// Runs one statement straight against the database, to arrange a situation the product
    /// has no screen for yet (or to play someone with database access).
    pub async fn execute(&self, statement: &str) {
        if self.url.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(&self.url).await.expect("connect");
            sqlx::query(statement).execute(&pool).await.expect("statement");
            pool.close().await;
        } else {
            let pool = sqlx::PgPool::connect(&self.url).await.expect("connect");
            sqlx::query(statement).execute(&pool).await.expect("statement");
            pool.close().await;
        }
    }

    /// Waits until every audit entry committed so far has joined the chain. SQLite chains at
    /// commit; on PostgreSQL the sequencer of the store that wrote the entry chains it moments
    /// later, so a test reading `audit_log` right after a request waits for the queue to empty
    /// (chaining moves entries out of it and into the chain in one transaction).
    pub async fn audit_settled(&self) {
        if self.url.starts_with("sqlite") {
            return;
        }
        let pool = sqlx::PgPool::connect(&self.url).await.expect("connect");
        let started = std::time::Instant::now();
        loop {
            let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_queue")
                .fetch_one(&pool)
                .await
                .expect("the audit queue");
            if queued == 0 {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "{queued} audit entries were still waiting to be chained after 10 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        pool.close().await;
    }

    /// One number from the database (a `COUNT(*)`, cast to BIGINT on PostgreSQL), to check what
    /// a request wrote where no page shows it (the audit trail). Sees every audit entry
    /// committed before the call.
    pub async fn count(&self, query: &str) -> i64 {
        self.audit_settled().await;
        if self.url.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(&self.url).await.expect("connect");
            let n: i64 = sqlx::query_scalar(query).fetch_one(&pool).await.expect("query");
            pool.close().await;
            n
        } else {
            let pool = sqlx::PgPool::connect(&self.url).await.expect("connect");
            let n: i64 = sqlx::query_scalar(query).fetch_one(&pool).await.expect("query");
            pool.close().await;
            n
        }
    }

    /// Puts a member of staff in a family's Team Around the Family: the connection to a family
    /// there is no screen for yet (a later issue adds one). Doing it twice is harmless.
    pub async fn add_to_team_around_the_family(&self, family: domain::FamilyId, user: domain::UserId) {
        self.execute(&format!(
            "INSERT INTO family_workers (family_id, user_id, role, since) \
             VALUES ({}, {}, 'team_around_the_family', '2026-11-01') ON CONFLICT DO NOTHING",
            self.uuid_literal(family.0),
            self.uuid_literal(user.0)
        ))
        .await;
    }

    /// One whole number read with `sql`, for checking what is stored. Sees every audit entry
    /// committed before the call.
    pub async fn scalar(&self, sql: &str) -> i64 {
        self.audit_settled().await;
        if self.url.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(&self.url).await.expect("connect");
            let v: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.expect("a number");
            pool.close().await;
            v
        } else {
            let pool = sqlx::PgPool::connect(&self.url).await.expect("connect");
            let v: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.expect("a number");
            pool.close().await;
            v
        }
    }

    /// Gives `user` a seat on `panel` as their organisation's named representative.
    pub async fn seat_on_panel(
        &self,
        panel: domain::PanelId,
        organisation: domain::OrganisationId,
        user: domain::UserId,
        membership: &str,
    ) {
        self.execute(&format!(
            "INSERT INTO panel_members (panel_id, organisation_id, user_id, membership) VALUES ({}, {}, {}, '{membership}')",
            self.uuid_literal(panel.0),
            self.uuid_literal(organisation.0),
            self.uuid_literal(user.0)
        ))
        .await;
    }

    /// An id written as a literal this engine reads as its stored form.
    pub fn uuid_literal(&self, id: uuid::Uuid) -> String {
        if self.url.starts_with("sqlite") {
            format!("X'{}'", id.simple())
        } else {
            format!("'{id}'")
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let server = postgres_server();
            // Drop runs outside async; a short-lived runtime on its own thread removes the
            // database even if the test's runtime is shutting down.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut c) = sqlx::PgConnection::connect(&format!("{server}/postgres")).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut c)
                            .await;
                        let _ = c.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// The secrets key test stores seal with: fixed, so two stores on one test database (two
/// "app servers") open each other's secrets.
pub fn test_secrets_key() -> store::secrets::SecretsKey {
    store::secrets::SecretsKey::from_bytes([7; 32]).expect("a key from 32 bytes")
}

/// Runs one async test body on both engines: `engines!(name, |store, clock| async move { … });`
/// expands to a module `name` with tests `sqlite` and `postgres`.
#[macro_export]
macro_rules! engines {
    ($name:ident, |$db:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let Some($db) = $crate::TestDb::new($crate::Engine::Sqlite).await else {
                    return;
                };
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some($db) = $crate::TestDb::new($crate::Engine::Postgres).await else {
                    return;
                };
                $body.await
            }
        }
    };
}

/// The demo county at a small size, as tests use it.
pub fn small_county() -> (county::County, county::Spec) {
    let spec = county::Spec {
        seed: 7,
        families: 20,
        today: time::macros::date!(2026 - 11 - 25),
    };
    (county::generate(&spec), spec)
}

/// A cheap argon2 hash of the demo password for loading test counties.
pub fn demo_password_hash() -> String {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(county::DEMO_PASSWORD.as_bytes())
        .expect("hash demo password")
        .to_string()
}

/// The real app, spawned on a random port against a test database.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    /// The store behind the app, for arranging and checking.
    pub store: Store,
    /// The clock the app reads.
    pub clock: MovableClock,
    /// The county loaded into it.
    pub county: county::County,
    /// The e-mails the app's worker has "sent".
    pub mail: worker::mail::MemoryOutbox,
    /// The outbox worker, run on demand with [`TestApp::deliver_mail`].
    pub worker: worker::Worker,
    _db: TestDb,
}

impl TestApp {
    /// Spawns the app with the small county loaded.
    pub async fn spawn(db: TestDb) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let clock = MovableClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let (county, spec) = small_county();
        store.load_county(&county, &spec, &demo_password_hash()).await.expect("load county");
        let config = web::WebConfig {
            secure_cookies: false,
            ..Default::default()
        };
        let state = web::AppState::new(store.clone(), config).await.expect("app state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = web::router(state);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
        });
        let base = format!("http://{addr}");
        let (mailer, mail) = worker::Mailer::memory("Early Help <early-help@northmere.example>").expect("a sender");
        let settings = worker::Settings::new(worker::PublicUrl::parse(&base).expect("a loopback URL"), "Northmere Council".into());
        let worker = worker::Worker::new(store.clone(), mailer, settings);
        Self {
            base,
            store,
            clock,
            county,
            mail,
            worker,
            _db: db,
        }
    }

    /// Runs every job due now (as the worker inside `serve` would on its next look); returns
    /// how many attempts were made.
    pub async fn deliver_mail(&self) -> usize {
        self.worker.run_due(None).await.expect("the worker runs")
    }

    /// The e-mails sent to `email` so far, oldest first.
    pub fn mail_to(&self, email: &str) -> Vec<worker::mail::Outgoing> {
        self.mail.sent().into_iter().filter(|m| m.to.as_str() == email).collect()
    }

    /// The path and query of the link in the latest e-mail to `email` (to open with a
    /// [`Browser`]), and the token in it.
    pub fn link_in_latest_mail_to(&self, email: &str) -> (String, String) {
        let mail = self.mail_to(email).pop().expect("an e-mail to that address");
        let start = mail.body.find(&self.base).expect("a link to the app in the e-mail") + self.base.len();
        let rest = &mail.body[start..];
        let link = rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())].to_owned();
        let token = link.split_once("token=").expect("a token in the link").1.to_owned();
        (link, token)
    }

    /// The test database, to arrange what the product has no screen for yet.
    pub fn db(&self) -> &TestDb {
        &self._db
    }

    /// The county's member of staff with this e-mail address.
    pub fn staff(&self, email: &str) -> &county::Staff {
        self.county
            .staff
            .iter()
            .find(|s| s.email.as_str() == email)
            .expect("a member of the county's staff")
    }

    /// Puts the holder of `email` in the family's Team Around the Family.
    pub async fn connect(&self, email: &str, family: domain::FamilyId) {
        self._db.add_to_team_around_the_family(family, self.staff(email).id).await;
    }

    /// A browser signed in as `email`, who sets up a second factor on the way (the accounts
    /// of administrators and information governance always need one).
    pub async fn sign_in_with_second_factor(&self, email: &str) -> Browser {
        let b = self.browser();
        b.sign_in(email, county::DEMO_PASSWORD).await;
        let setup = b.get("/account/second-factor").await;
        let marker = "<code class=\"app-secret\">";
        let i = setup.body.find(marker).expect("the second-factor page shows the secret") + marker.len();
        let secret = &setup.body[i..i + setup.body[i..].find('<').expect("the secret ends")];
        let totp = totp_rs::Builder::new()
            .with_secret(totp_rs::Secret::try_from_base32(secret).expect("a base32 secret"))
            .build()
            .expect("a TOTP");
        let code = totp
            .generate(u64::try_from(self.clock.now().unix_timestamp()).unwrap_or(0))
            .to_string();
        b.post(
            "/account/second-factor",
            &[("csrf", setup.csrf().as_str()), ("code", code.as_str())],
        )
        .await;
        b
    }

    /// A new browser with an empty cookie jar.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// A browser signed in as `email`, after lifting the second-factor requirement of their
    /// organisation (for tests that are not about second factors; roles that always need one,
    /// administrators and information governance, still do).
    pub async fn signed_in_without_second_factor(&self, email: &str) -> Browser {
        let db = self.db();
        db.execute(&format!(
            "UPDATE organisations SET mfa_required = FALSE WHERE id = {}",
            db.uuid_literal(self.staff(email).organisation.0)
        ))
        .await;
        let b = self.browser();
        let page = b.sign_in(email, county::DEMO_PASSWORD).await;
        assert!(page.status < 400, "{email} signed in");
        b
    }

    /// The constabulary and one of its officers who represents it at panels: the organisation
    /// the consent-exclusion tests exclude.
    pub fn police_officer(&self) -> (domain::OrganisationId, String) {
        let police = self
            .county
            .organisations
            .iter()
            .find(|o| o.kind == domain::organisation::OrganisationKind::Police)
            .expect("the county has a police force")
            .id;
        let officer = self
            .county
            .staff
            .iter()
            .find(|s| s.organisation == police && s.roles.contains(&domain::role::Role::AgencyRepresentative))
            .expect("an officer who represents it")
            .email
            .to_string();
        (police, officer)
    }

    /// The e-mail of a staff member holding `role` whose account needs no second factor.
    pub fn staff_without_mfa(&self, role: domain::role::Role) -> String {
        self.county
            .staff
            .iter()
            .find(|s| {
                let org = self.county.organisations.iter().find(|o| o.id == s.organisation);
                s.roles.contains(&role)
                    && !s.roles.iter().any(|r| r.always_requires_mfa())
                    && org.is_some_and(|o| {
                        !o.mfa_required && self.county.isa_standing(o.id) == Some(domain::organisation::IsaStanding::Current)
                    })
            })
            .map(|s| s.email.to_string())
            .expect("a staff member with that role and no second factor")
    }

    /// The e-mail of a staff member holding `role` (any organisation).
    pub fn staff_with_role(&self, role: domain::role::Role) -> String {
        self.county
            .staff
            .iter()
            .find(|s| s.roles.contains(&role))
            .map(|s| s.email.to_string())
            .expect("a staff member with that role")
    }
}

/// A response as a test sees it.
pub struct Page {
    /// HTTP status.
    pub status: u16,
    /// Where a redirect points, if it is one.
    pub location: Option<String>,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body.
    pub body: String,
}

impl Page {
    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        self.body
            .find(marker)
            .map(|i| {
                let rest = &self.body[i + marker.len()..];
                rest[..rest.find('"').unwrap_or(0)].to_owned()
            })
            .expect("a form with a CSRF token on the page")
    }

    /// The `name=value` of a cookie this response sets, if it sets it.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
    }

    /// Whether the page shows the text (as the templates escape it: `'` becomes `&#39;`).
    pub fn shows(&self, text: &str) -> bool {
        self.body.contains(text) || self.body.contains(&text.replace('\'', "&#39;"))
    }
}

/// A cookie-keeping HTTP client that does not follow redirects, so tests see them.
pub struct Browser {
    base: String,
    client: reqwest::Client,
}

impl Browser {
    /// A browser with an empty cookie jar.
    pub fn new(base: &str) -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            base: base.to_owned(),
            client,
        }
    }

    async fn page(resp: reqwest::Response) -> Page {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let location = headers.get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = resp.text().await.unwrap_or_default();
        Page {
            status,
            location,
            headers,
            body,
        }
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> Page {
        Self::page(self.client.get(format!("{}{path}", self.base)).send().await.expect("GET")).await
    }

    /// GET sending these extra request headers (`If-None-Match`, say).
    pub async fn get_with_headers(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.client.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::page(request.send().await.expect("GET")).await
    }

    /// GET a file (a PDF, a spreadsheet): the status, the headers and the body as bytes.
    pub async fn get_bytes(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let resp = self.client.get(format!("{}{path}", self.base)).send().await.expect("GET");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        (status, headers, body)
    }

    /// GET sending exactly this Cookie header (a stolen or stale cookie), outside the jar.
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> Page {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self::page(
            client
                .get(format!("{}{path}", self.base))
                .header("cookie", cookie)
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    /// GET with a bearer token.
    pub async fn get_with_token(&self, path: &str, token: &str) -> Page {
        Self::page(
            self.client
                .get(format!("{}{path}", self.base))
                .bearer_auth(token)
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    /// POST form fields as they are (the caller supplies any CSRF token).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(
            self.client
                .post(format!("{}{path}", self.base))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// POST form fields with extra request headers (a forged `Origin`, `Sec-Fetch-Site`).
    pub async fn post_with_headers(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let mut request = self.client.post(format!("{}{path}", self.base)).form(fields);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::page(request.send().await.expect("POST")).await
    }

    /// POST a JSON body with a bearer token, as an agency system does.
    pub async fn post_json_with_token(&self, path: &str, body: &serde_json::Value, token: &str) -> Page {
        Self::page(
            self.client
                .post(format!("{}{path}", self.base))
                .bearer_auth(token)
                .json(body)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// GETs the form page, then POSTs the fields with the page's CSRF token.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(form_page).await.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Signs in with the demo password; returns the response to the sign-in POST.
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.submit("/sign-in", "/sign-in", &[("email", email), ("password", password)])
            .await
    }
}

/// Everything the app logs while a test runs, kept in memory so a test can read it back.
///
/// A test binary has one global `tracing` subscriber; the first call to [`captured_logs`]
/// installs one that writes every event at DEBUG and above (more than production's `info`),
/// with its span fields (request id, method, path), into a shared buffer. Under nextest each
/// test is its own process, so the buffer holds that test's lines; under `cargo test` it
/// also holds the lines of tests running beside it, which only makes a check stricter.
pub mod logs {
    use std::sync::{Arc, Mutex, OnceLock};

    /// The shared buffer of log output.
    #[derive(Clone, Default)]
    pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

    impl LogBuffer {
        /// The lines logged so far.
        pub fn lines(&self) -> Vec<String> {
            let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
            String::from_utf8_lossy(&bytes).lines().map(str::to_owned).collect()
        }
    }

    impl std::io::Write for LogBuffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut b) = self.0.lock() {
                b.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
        type Writer = LogBuffer;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    static BUFFER: OnceLock<LogBuffer> = OnceLock::new();

    /// Starts capturing (once per process) and returns the buffer.
    pub fn captured_logs() -> LogBuffer {
        BUFFER
            .get_or_init(|| {
                let buffer = LogBuffer::default();
                let subscriber = tracing_subscriber::fmt()
                    .with_max_level(tracing::Level::DEBUG)
                    .with_ansi(false)
                    .with_writer(buffer.clone())
                    .finish();
                tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in the test binary");
                buffer
            })
            .clone()
    }
}
