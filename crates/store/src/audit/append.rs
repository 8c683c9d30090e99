//! Extending the chain, the way each engine does it best.
//!
//! **SQLite** has one writer, so a write transaction extends the chain itself: it knows the
//! head (kept in memory after each commit, and re-read when another process on the same file,
//! a command-line tool, got there first) and, at commit, inserts its entries with the next
//! sequence numbers in the same round trip as the `COMMIT`.
//!
//! **PostgreSQL** has many concurrent writers, possibly on several servers. If each chained its
//! own entries it would hold one lock from reading the head until its commit was on disk, and
//! every write in the service would queue behind that lock, one disk flush at a time (measured:
//! 83 % fewer writes per second). Instead a write transaction queues its entries in
//! `audit_queue`, atomically with the change they record, and commits with no shared lock: the
//! entry is as durable as the change. The write then wakes the [`Sequencer`], which moves queued
//! entries into the chain in batches, moments later, under a transaction-scoped advisory lock so
//! that servers take turns. (Waiting for that before answering cost a third of the writes per
//! second, and bought only those milliseconds.) Whoever reads the whole chain (verification,
//! checkpoints, closing the store before a command-line tool exits) first waits for every
//! entry committed so far to be chained. Chain order is the order the sequencer took the
//! entries, which can differ by moments from the order of their `at` instants.

use super::{AuditEntry, GENESIS, PG_AUDIT_LOCK, entry_hash, personal_digest};
use sqlx::{Postgres, Sqlite};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use time::OffsetDateTime;

/// The chain head: the last entry's sequence number and hash.
pub(crate) type Head = (i64, String);

/// SQLite's copy of the committed chain head, shared by every write transaction of a store.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedHead(Arc<Mutex<Option<Head>>>);

impl SharedHead {
    fn get(&self) -> Option<Head> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn set(&self, head: Head) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(head);
    }
}

/// A write transaction on SQLite. The body of `write!` sees it as a connection (`&mut *tx`)
/// and appends with `audit_append!`; the entries are chained and inserted in the same round
/// trip as the `COMMIT`, so auditing a write adds no round trip to the writer, which every
/// write in the service waits for.
pub(crate) struct SqliteTx {
    conn: sqlx::pool::PoolConnection<Sqlite>,
    /// Entries appended, in order, with when they happened.
    entries: Vec<(AuditEntry, OffsetDateTime)>,
    /// The store's committed head, updated when this transaction commits.
    shared_head: SharedHead,
    committed: bool,
}

/// Most entries in one INSERT: SQLite numbers at most 32 766 parameters, 12 per entry.
const SQLITE_ROWS_PER_INSERT: usize = 2000;

/// The columns an entry fills in `audit_log`, in the order they are bound.
const LOG_COLUMNS: &str = "INSERT INTO audit_log (seq, at, actor_user_id, client_address, action, record_type, \
                           record_id, outcome, personal_fields, personal_digest, prev_hash, hash) VALUES ";

impl SqliteTx {
    /// Begins a write transaction on the writer. IMMEDIATE takes the file's write lock at
    /// once, so another process (a command-line tool) cannot refuse it half-way.
    pub(crate) async fn begin(writer: &sqlx::SqlitePool, shared_head: SharedHead) -> Result<Self, sqlx::Error> {
        let mut conn = writer.acquire().await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        Ok(Self {
            conn,
            entries: Vec::new(),
            shared_head,
            committed: false,
        })
    }

    /// Chains the entries after the head, inserts them and commits, in one round trip when
    /// they fit one statement. When another process on the same file moved the head since
    /// this server last saw it, the insert is refused (the sequence number is taken) and the
    /// transaction, still open, chains them after the real head instead.
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        let mut known = if self.entries.is_empty() { None } else { self.shared_head.get() };
        let mut attempts = 0;
        loop {
            let head = match known.take() {
                Some(head) => Some(head),
                None if self.entries.is_empty() => None,
                None => sqlx::query_as(HEAD).fetch_optional(&mut *self.conn).await?,
            };
            match self.insert_and_commit(after(head)).await {
                Ok(head) => {
                    self.committed = true;
                    if let Some(head) = head {
                        self.shared_head.set(head);
                    }
                    return Ok(());
                }
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() && attempts == 0 => attempts += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// Inserts the entries chained from `first` (the first one's sequence number and
    /// previous hash) and commits; returns the new head.
    async fn insert_and_commit(&mut self, first: Head) -> Result<Option<Head>, sqlx::Error> {
        if self.entries.is_empty() {
            sqlx::query("COMMIT").execute(&mut *self.conn).await?;
            return Ok(None);
        }
        let mut next = first;
        let rows: Vec<Chained<'_>> = self
            .entries
            .iter()
            .map(|(entry, at)| {
                let row = Chained::new(entry, *at, next.clone());
                next = (row.seq + 1, row.hash.clone());
                row
            })
            .collect();
        let chunks: Vec<&[Chained<'_>]> = rows.chunks(SQLITE_ROWS_PER_INSERT).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let last = i + 1 == chunks.len();
            let mut sql = String::with_capacity(LOG_COLUMNS.len() + chunk.len() * 64 + 8);
            sql.push_str(LOG_COLUMNS);
            for r in 0..chunk.len() {
                if r > 0 {
                    sql.push(',');
                }
                let p = r * 12;
                let _ = std::fmt::Write::write_fmt(
                    &mut sql,
                    format_args!(
                        "(${},${},${},${},${},${},${},${},${},${},${},${})",
                        p + 1,
                        p + 2,
                        p + 3,
                        p + 4,
                        p + 5,
                        p + 6,
                        p + 7,
                        p + 8,
                        p + 9,
                        p + 10,
                        p + 11,
                        p + 12
                    ),
                );
            }
            if last {
                // The numbered parameters bind across both statements; COMMIT takes none.
                sql.push_str("; COMMIT");
            }
            let mut query = sqlx::query(&sql);
            for row in *chunk {
                let e = row.entry;
                query = query
                    .bind(row.seq)
                    .bind(row.at)
                    .bind(e.actor.map(|a| a.0))
                    .bind(e.client_address.as_deref())
                    .bind(e.action)
                    .bind(e.record_type)
                    .bind(e.record_id.as_deref())
                    .bind(e.outcome.code())
                    .bind(e.personal_fields.as_deref())
                    .bind(row.digest.as_str())
                    .bind(row.prev.as_str())
                    .bind(row.hash.as_str());
            }
            query.execute(&mut *self.conn).await?;
        }
        Ok(rows.last().map(|r| (r.seq, r.hash.clone())))
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if !self.committed {
            // Rolled back: closing the connection ends the transaction (SQLite rolls back what
            // was not committed) before the pool opens a fresh one for the next write.
            self.conn.close_on_drop();
        }
    }
}

impl std::ops::Deref for SqliteTx {
    type Target = sqlx::SqliteConnection;

    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl std::ops::DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl AppendAudit for SqliteTx {
    async fn append_audit(&mut self, entry: AuditEntry, at: OffsetDateTime) -> Result<(), sqlx::Error> {
        self.entries.push((entry, at));
        Ok(())
    }
}

/// A write transaction on PostgreSQL: the body sees it as a connection and appends with
/// `audit_append!`, which queues the entry for the [`Sequencer`].
pub(crate) struct PgTx {
    tx: sqlx::Transaction<'static, Postgres>,
    queued: bool,
}

impl PgTx {
    /// Begins a write transaction.
    pub(crate) async fn begin(pool: &sqlx::PgPool) -> Result<Self, sqlx::Error> {
        Ok(Self {
            tx: pool.begin().await?,
            queued: false,
        })
    }

    /// Commits, and says whether entries now wait for the sequencer.
    pub(crate) async fn commit(self) -> Result<bool, sqlx::Error> {
        self.tx.commit().await?;
        Ok(self.queued)
    }
}

impl std::ops::Deref for PgTx {
    type Target = sqlx::PgConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for PgTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Appends one entry inside a write transaction, as the engine does it.
pub(crate) trait AppendAudit {
    /// Records `entry`, which happened at `at` (already cut to microseconds).
    async fn append_audit(&mut self, entry: AuditEntry, at: OffsetDateTime) -> Result<(), sqlx::Error>;
}

const HEAD: &str = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";

/// The sequence number and previous hash an entry after `head` takes.
fn after(head: Option<Head>) -> Head {
    match head {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_owned()),
    }
}

/// An entry's place in the chain, with the values its hash covers.
struct Chained<'a> {
    seq: i64,
    at: OffsetDateTime,
    entry: &'a AuditEntry,
    digest: String,
    prev: String,
    hash: String,
}

impl<'a> Chained<'a> {
    fn new(entry: &'a AuditEntry, at: OffsetDateTime, (seq, prev): Head) -> Self {
        let digest = personal_digest(entry.personal_fields.as_deref());
        let hash = entry_hash(
            &prev,
            seq,
            at,
            entry.actor,
            entry.client_address.as_deref(),
            entry.action,
            entry.record_type,
            entry.record_id.as_deref(),
            entry.outcome.code(),
            &digest,
        );
        Self {
            seq,
            at,
            entry,
            digest,
            prev,
            hash,
        }
    }
}

impl AppendAudit for PgTx {
    async fn append_audit(&mut self, entry: AuditEntry, at: OffsetDateTime) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO audit_queue (at, actor_user_id, client_address, action, record_type, record_id, outcome, personal_fields) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(at)
        .bind(entry.actor.map(|a| a.0))
        .bind(entry.client_address.as_deref())
        .bind(entry.action)
        .bind(entry.record_type)
        .bind(entry.record_id.as_deref())
        .bind(entry.outcome.code())
        .bind(entry.personal_fields.as_deref())
        .execute(&mut *self.tx)
        .await?;
        self.queued = true;
        Ok(())
    }
}

/// An entry waiting in `audit_queue`.
#[derive(sqlx::FromRow)]
struct Queued {
    id: i64,
    at: OffsetDateTime,
    actor_user_id: Option<uuid::Uuid>,
    client_address: Option<String>,
    action: String,
    record_type: String,
    record_id: Option<String>,
    outcome: String,
    personal_fields: Option<String>,
}

/// Most entries chained in one transaction.
const BATCH: i64 = 2000;

/// The least time between runs that chained something: writes do not wait for the chain, so
/// a few milliseconds' delay lets a busy service chain dozens of entries per transaction
/// instead of one or two.
const PACE: Duration = Duration::from_millis(10);

/// Most batches in one run, so that waiting writers are let go even under a flood.
const BATCHES_PER_RUN: usize = 16;

/// How often the sequencer looks for entries nobody asked it to chain: those of a server
/// that stopped between committing a write and seeing it chained.
const SWEEP: Duration = Duration::from_secs(5);

/// Chains queued entries on PostgreSQL. One per store; every server runs its own, and the
/// advisory lock makes them take turns. Writes wake it; a reader of the whole chain waits for
/// the first run that starts after its call, which chains everything committed before it.
#[derive(Debug, Clone)]
pub(crate) struct Sequencer(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    /// Wakes the task; a full channel means a wake is already due.
    wake: tokio::sync::mpsc::Sender<()>,
    /// The number of runs started.
    started: Arc<AtomicU64>,
    /// The number of the last run finished.
    finished: tokio::sync::watch::Receiver<u64>,
}

impl Sequencer {
    /// Starts the task for a pool. It stops when the last clone of the sequencer is dropped.
    pub(crate) fn start(pool: sqlx::PgPool) -> Self {
        let (wake, mut woken) = tokio::sync::mpsc::channel::<()>(1);
        let started = Arc::new(AtomicU64::new(0));
        let (finish, finished) = tokio::sync::watch::channel(0u64);
        let runs = started.clone();
        tokio::spawn(async move {
            loop {
                // Woken, or the sweep is due; every handle gone means the store is.
                if let Ok(None) = tokio::time::timeout(SWEEP, woken.recv()).await {
                    break;
                }
                if pool.is_closed() {
                    break;
                }
                let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
                let mut chained = 0;
                for _ in 0..BATCHES_PER_RUN {
                    match chain_batch(&pool).await {
                        Ok(n) => {
                            chained += n;
                            if n < BATCH as usize {
                                break;
                            }
                        }
                        Err(e) => {
                            // The entries stay queued, safe, and the next run tries again.
                            tracing::error!(error = %e, "audit sequencer could not chain queued entries");
                            break;
                        }
                    }
                }
                finish.send_replace(run);
                if chained > 0 {
                    tokio::time::sleep(PACE).await;
                }
            }
        });
        Self(Arc::new(Inner { wake, started, finished }))
    }

    /// Asks for a run soon, without waiting for it: what a write does after committing.
    pub(crate) fn wake(&self) {
        let _ = self.0.wake.try_send(());
    }

    /// Returns once every entry committed before the call is chained (or a run that tried to
    /// chain them has failed, which is logged: they stay safely queued for the next).
    pub(crate) async fn chained(&self) {
        let ticket = self.0.started.load(Ordering::SeqCst) + 1;
        self.wake();
        let mut finished = self.0.finished.clone();
        let _ = finished.wait_for(|run| *run >= ticket).await;
    }
}

/// A batch of chained entries, column by column, as PostgreSQL arrays.
#[derive(Default)]
struct LogColumns {
    seq: Vec<i64>,
    at: Vec<OffsetDateTime>,
    actor: Vec<Option<uuid::Uuid>>,
    client_address: Vec<Option<String>>,
    action: Vec<String>,
    record_type: Vec<String>,
    record_id: Vec<Option<String>>,
    outcome: Vec<String>,
    personal_fields: Vec<Option<String>>,
    personal_digest: Vec<String>,
    prev_hash: Vec<String>,
    hash: Vec<String>,
}

impl LogColumns {
    fn with_capacity(n: usize) -> Self {
        Self {
            seq: Vec::with_capacity(n),
            at: Vec::with_capacity(n),
            actor: Vec::with_capacity(n),
            client_address: Vec::with_capacity(n),
            action: Vec::with_capacity(n),
            record_type: Vec::with_capacity(n),
            record_id: Vec::with_capacity(n),
            outcome: Vec::with_capacity(n),
            personal_fields: Vec::with_capacity(n),
            personal_digest: Vec::with_capacity(n),
            prev_hash: Vec::with_capacity(n),
            hash: Vec::with_capacity(n),
        }
    }
}

/// Moves up to [`BATCH`] queued entries into the chain in one transaction. Returns how many.
async fn chain_batch(pool: &sqlx::PgPool) -> Result<usize, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // The servers take turns. This transaction also commits without waiting for its flush to
    // disk: it only moves entries already durable in the queue, all at once or not at all, so
    // a crash that loses it leaves them queued to be chained again. Nothing outside sees a
    // chain it could lose: a checkpoint's own commit waits for the disk, and that flushes
    // everything written before it.
    sqlx::query("SELECT pg_advisory_xact_lock($1), set_config('synchronous_commit', 'off', true)")
        .bind(PG_AUDIT_LOCK)
        .execute(&mut *tx)
        .await?;
    let mut queued: Vec<Queued> = sqlx::query_as(
        "DELETE FROM audit_queue WHERE id IN (SELECT id FROM audit_queue ORDER BY id LIMIT $1) \
         RETURNING id, at, actor_user_id, client_address, action, record_type, record_id, outcome, personal_fields",
    )
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    if queued.is_empty() {
        return Ok(0);
    }
    queued.sort_unstable_by_key(|q| q.id);
    let mut head = after(sqlx::query_as(HEAD).fetch_optional(&mut *tx).await?);
    let mut rows = Vec::with_capacity(queued.len());
    for q in &queued {
        let digest = personal_digest(q.personal_fields.as_deref());
        let hash = entry_hash(
            &head.1,
            head.0,
            q.at,
            q.actor_user_id.map(domain::UserId),
            q.client_address.as_deref(),
            &q.action,
            &q.record_type,
            q.record_id.as_deref(),
            &q.outcome,
            &digest,
        );
        let seq = head.0;
        let (_, prev) = std::mem::replace(&mut head, (seq + 1, hash.clone()));
        rows.push((seq, digest, prev, hash));
    }
    // One statement whatever the batch size (arrays, not a VALUES row per entry), so it is
    // planned once per connection.
    let mut columns = LogColumns::with_capacity(queued.len());
    for (q, (seq, digest, prev, hash)) in queued.into_iter().zip(rows) {
        columns.seq.push(seq);
        columns.at.push(q.at);
        columns.actor.push(q.actor_user_id);
        columns.client_address.push(q.client_address);
        columns.action.push(q.action);
        columns.record_type.push(q.record_type);
        columns.record_id.push(q.record_id);
        columns.outcome.push(q.outcome);
        columns.personal_fields.push(q.personal_fields);
        columns.personal_digest.push(digest);
        columns.prev_hash.push(prev);
        columns.hash.push(hash);
    }
    let chained = columns.seq.len();
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_user_id, client_address, action, record_type, record_id, \
         outcome, personal_fields, personal_digest, prev_hash, hash) \
         SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::uuid[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])",
    )
    .bind(columns.seq)
    .bind(columns.at)
    .bind(columns.actor)
    .bind(columns.client_address)
    .bind(columns.action)
    .bind(columns.record_type)
    .bind(columns.record_id)
    .bind(columns.outcome)
    .bind(columns.personal_fields)
    .bind(columns.personal_digest)
    .bind(columns.prev_hash)
    .bind(columns.hash)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(chained)
}
