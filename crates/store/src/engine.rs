//! Opening a store on either engine, and the two macros that run one body of SQL on both.
//!
//! SQLite runs in WAL mode with foreign keys on, one writer connection (SQLite allows one
//! writer at a time; queueing in the pool is cheaper than `SQLITE_BUSY` retries) and a pool of
//! read-only readers. PostgreSQL uses one pool; several app servers may share the database.

use crate::StoreError;
use domain::clock::Clock;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// Embedded SQLite: the demo and single-server deployments.
    Sqlite,
    /// PostgreSQL: deployments with several app servers.
    Postgres,
}

#[derive(Clone, Debug)]
pub(crate) enum Engine {
    Sqlite {
        writer: SqlitePool,
        readers: SqlitePool,
        /// The audit chain's head as the last write transaction committed it.
        audit_head: crate::audit::SharedHead,
    },
    Postgres {
        pool: PgPool,
        /// Chains the audit entries write transactions queue.
        sequencer: crate::audit::Sequencer,
    },
}

/// The persistence layer. Cheap to clone: it holds pools.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) engine: Engine,
    pub(crate) clock: Arc<dyn Clock>,
    /// The group-commit writer for read audits; `None` inside the writer itself.
    pub(crate) audit_queue: Option<crate::audit::GroupCommit>,
    /// The key that seals second-factor secrets and link tokens; set once at start-up with
    /// [`Store::with_secrets_key`].
    pub(crate) secrets: Option<Arc<crate::secrets::SecretsKey>>,
}

/// Runs `$body` once per engine against a connection pool for reading, bound to `$db`.
macro_rules! read {
    ($store:expr, $db:ident => $body:expr) => {
        match &$store.engine {
            $crate::engine::Engine::Sqlite { readers, .. } => {
                let $db = readers;
                $body
            }
            $crate::engine::Engine::Postgres { pool, .. } => {
                let $db = pool;
                $body
            }
        }
    };
}

/// Runs `$body` inside one write transaction bound to `$tx` (and the engine kind to `$kind`),
/// committing when the body finishes and rolling back if it returns early with an error. On
/// PostgreSQL the audit entries the body queued are chained moments later (see `audit::append`).
macro_rules! write {
    ($store:expr, $tx:ident, $kind:ident => $body:expr) => {
        match &$store.engine {
            $crate::engine::Engine::Sqlite { writer, audit_head, .. } => {
                #[allow(unused_variables)]
                let $kind = $crate::EngineKind::Sqlite;
                let mut $tx = $crate::audit::SqliteTx::begin(writer, audit_head.clone()).await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::engine::Engine::Postgres { pool, sequencer } => {
                #[allow(unused_variables)]
                let $kind = $crate::EngineKind::Postgres;
                let mut $tx = $crate::audit::PgTx::begin(pool).await?;
                let out = $body;
                if $tx.commit().await? {
                    sequencer.wake();
                }
                out
            }
        }
    };
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub database_url: String,
    /// Largest number of connections (PostgreSQL) or readers (SQLite).
    pub max_connections: u32,
}

impl Store {
    /// Opens the database named by the URL, creating a SQLite file if it does not exist.
    /// Does not migrate: call [`Store::migrate`].
    pub async fn connect(options: &ConnectOptions, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        let url = options.database_url.as_str();
        let engine = if url.starts_with("sqlite:") {
            let base = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // A connection to a local file does not go stale, so the pools do not ping one
            // before lending it (a round trip to SQLite's worker thread on every statement's
            // way in, paid by every write queueing for the one writer).
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_with(base.clone())
                .await?;
            let readers = SqlitePoolOptions::new()
                .max_connections(options.max_connections.max(1))
                .test_before_acquire(false)
                .connect_with(base.read_only(true))
                .await?;
            Engine::Sqlite {
                writer,
                readers,
                audit_head: crate::audit::SharedHead::default(),
            }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            let sequencer = crate::audit::Sequencer::start(pool.clone());
            Engine::Postgres { pool, sequencer }
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let writer = Self {
            engine: engine.clone(),
            clock: clock.clone(),
            audit_queue: None,
            secrets: None,
        };
        Ok(Self {
            engine,
            clock,
            audit_queue: Some(crate::audit::GroupCommit::start(writer)),
            secrets: None,
        })
    }

    /// Applies any migrations not yet applied. Safe to run from several servers at once: sqlx
    /// takes an advisory lock on PostgreSQL, and SQLite has one writer.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Sqlite { writer, .. } => sqlx::migrate!("./migrations/sqlite").run(writer).await?,
            Engine::Postgres { pool, .. } => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// The same store, sealing and opening secrets with `key` (the configured file's, or
    /// [`Store::stored_secrets_key`]). Without one, reading a second factor is an error.
    pub fn with_secrets_key(mut self, key: crate::secrets::SecretsKey) -> Self {
        self.secrets = Some(Arc::new(key));
        self
    }

    /// The secrets key kept in the database, created on first use: the fallback when no key
    /// file is configured. Anyone who can read the database can then read the secrets it
    /// seals, so production keeps the key in a file (see docs/operations.md).
    pub async fn stored_secrets_key(&self) -> Result<crate::secrets::SecretsKey, StoreError> {
        crate::secrets::SecretsKey::from_bytes(self.shared_secret("secrets-key").await?)
    }

    /// The secrets key, or [`StoreError::NoSecretsKey`].
    pub(crate) fn secrets_key(&self) -> Result<&crate::secrets::SecretsKey, StoreError> {
        self.secrets.as_deref().ok_or(StoreError::NoSecretsKey)
    }

    /// Which engine this store runs on.
    pub fn kind(&self) -> EngineKind {
        match self.engine {
            Engine::Sqlite { .. } => EngineKind::Sqlite,
            Engine::Postgres { .. } => EngineKind::Postgres,
        }
    }

    /// "Now" as the store writes it: UTC, whole seconds. SQLite keeps instants as RFC 3339
    /// text and compares them as text, which is only right if every instant has the same
    /// width and offset; whole-second UTC gives "2026-11-25T09:00:00Z" every time. (The audit
    /// chain keeps microseconds in its own column, which is never compared in SQL.)
    pub fn now(&self) -> time::OffsetDateTime {
        db_instant(self.clock.now())
    }

    /// The clock every "now" in the store comes from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Answers whether the database can be reached, for `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        read!(self, db => { sqlx::query("SELECT 1").execute(db).await?; });
        Ok(())
    }

    /// Closes every connection, letting in-flight statements finish: part of graceful shutdown.
    pub async fn close(&self) {
        // A command-line tool exits right after: its audit entries join the chain first.
        self.audit_chained().await;
        match &self.engine {
            Engine::Sqlite { writer, readers, .. } => {
                readers.close().await;
                writer.close().await;
            }
            Engine::Postgres { pool, .. } => pool.close().await,
        }
    }

    /// The tables and their columns, sorted: lets a test prove both engines' migrations agree.
    pub async fn schema_outline(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        let rows: Vec<(String, String)> = match &self.engine {
            Engine::Sqlite { readers, .. } => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
                )
                .fetch_all(readers)
                .await?
            }
            Engine::Postgres { pool, .. } => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'",
                )
                .fetch_all(pool)
                .await?
            }
        };
        let mut map: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (t, c) in rows {
            map.entry(t).or_default().push(c);
        }
        Ok(map
            .into_iter()
            .map(|(t, mut cs)| {
                cs.sort();
                (t, cs)
            })
            .collect())
    }
}

/// An instant as the database keeps it: UTC, whole seconds (see [`Store::now`]).
pub fn db_instant(t: time::OffsetDateTime) -> time::OffsetDateTime {
    let utc = t.to_offset(time::UtcOffset::UTC);
    utc.replace_nanosecond(0).unwrap_or(utc)
}

/// A clock reading the system time: the one place outside tests that does.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }
}

impl Store {
    /// A 32-byte secret kept in the database, created on first use, so every app server
    /// sharing the database signs and checks (CSRF tokens) with the same key.
    pub async fn shared_secret(&self, name: &str) -> Result<[u8; 32], StoreError> {
        let fresh: [u8; 32] = rand::random();
        let key = format!("secret:{name}");
        write!(self, tx, kind => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                .bind(&key)
                .bind(hex::encode(fresh))
                .execute(&mut *tx)
                .await?;
        });
        let (value,): (String,) =
            read!(self, db => sqlx::query_as("SELECT value FROM settings WHERE key = $1").bind(&key).fetch_one(db).await?);
        let bytes = hex::decode(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        bytes.try_into().map_err(|_| StoreError::Corrupt(format!("{key} is not 32 bytes")))
    }

    /// Copies a SQLite database to a new file while it is in use (`VACUUM INTO`): a consistent
    /// backup without stopping the service. PostgreSQL is backed up with `pg_dump` instead.
    pub async fn backup_sqlite(&self, to: &str) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Sqlite { writer, .. } => {
                sqlx::query("VACUUM INTO $1").bind(to).execute(writer).await?;
                Ok(())
            }
            Engine::Postgres { .. } => Err(StoreError::UnsupportedUrl),
        }
    }
}
