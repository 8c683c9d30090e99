//! The tamper-evident audit chain: every entry's hash covers the one before it.
//!
//! `hash = SHA-256(prev_hash ‖ seq ‖ at ‖ actor ‖ address ‖ action ‖ record type ‖ record id ‖
//! outcome ‖ personal_digest)`. The personal fields (names, e-mail addresses in a change) are
//! hashed separately into `personal_digest`, so a retention purge can blank them and the chain
//! still verifies. How each engine appends without forking the chain is in [`append`].

mod append;

pub(crate) use append::{AppendAudit, PgTx, Sequencer, SharedHead, SqliteTx};
use domain::UserId;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use time::OffsetDateTime;

/// The hash the first entry chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Advisory-lock key that serialises audit appends on PostgreSQL ("EHAUDIT" in spirit).
pub const PG_AUDIT_LOCK: i64 = 0x0045_4841_5544_4954;

/// Whether the audited action was allowed and done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Success,
    /// Refused by policy.
    Denied,
    /// Attempted and failed (wrong password, bad code).
    Failed,
}

impl Outcome {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// One thing to record: who did what to which record, and how it ended.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// The member of staff (None for an anonymous attempt or the system itself).
    pub actor: Option<UserId>,
    /// Where the request came from.
    pub client_address: Option<String>,
    /// What was done, e.g. `user.create`, `session.sign_in`.
    pub action: &'static str,
    /// The kind of record, e.g. `user`, `organisation`.
    pub record_type: &'static str,
    /// Which record.
    pub record_id: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Personal details worth keeping with the entry (purgeable); never secrets.
    pub personal_fields: Option<String>,
}

impl AuditEntry {
    /// An entry with no personal fields and no address.
    pub fn new(actor: Option<UserId>, action: &'static str, record_type: &'static str, record_id: Option<String>) -> Self {
        Self {
            actor,
            client_address: None,
            action,
            record_type,
            record_id,
            outcome: Outcome::Success,
            personal_fields: None,
        }
    }

    /// Sets the client address.
    pub fn from_address(mut self, address: Option<String>) -> Self {
        self.client_address = address;
        self
    }

    /// Sets the outcome.
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Attaches personal details (kept separately hashed so they can be purged).
    pub fn personal(mut self, fields: impl Into<String>) -> Self {
        self.personal_fields = Some(fields.into());
        self
    }
}

/// Drops sub-microsecond precision: PostgreSQL keeps microseconds, and the hash must be
/// recomputable from what the database gives back.
pub fn audit_instant(now: OffsetDateTime) -> OffsetDateTime {
    let micros = now.unix_timestamp_nanos() / 1000;
    OffsetDateTime::from_unix_timestamp_nanos(micros * 1000).unwrap_or(now)
}

/// The digest of the personal fields ("" when there are none).
pub fn personal_digest(fields: Option<&str>) -> String {
    hex::encode(Sha256::digest(fields.unwrap_or("").as_bytes()))
}

/// Computes an entry's hash from its stored values, hex-encoded as it is stored.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: OffsetDateTime,
    actor: Option<UserId>,
    client_address: Option<&str>,
    action: &str,
    record_type: &str,
    record_id: Option<&str>,
    outcome: &str,
    personal_digest: &str,
) -> String {
    hex::encode(entry_digest(
        prev_hash,
        seq,
        at.unix_timestamp_nanos() / 1000,
        actor.map(|a| a.0),
        client_address,
        action,
        record_type,
        record_id,
        outcome,
        personal_digest,
    ))
}

/// The SHA-256 behind [`entry_hash`], without allocating: verification computes one per
/// entry of the whole chain.
#[allow(clippy::too_many_arguments)]
fn entry_digest(
    prev_hash: &str,
    seq: i64,
    at_micros: i128,
    actor: Option<uuid::Uuid>,
    client_address: Option<&str>,
    action: &str,
    record_type: &str,
    record_id: Option<&str>,
    outcome: &str,
    personal_digest: &str,
) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    let mut actor_text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    field(prev_hash.as_bytes());
    field(&seq.to_be_bytes());
    field(&at_micros.to_be_bytes());
    field(actor.map_or(&[][..], |a| a.hyphenated().encode_lower(&mut actor_text).as_bytes()));
    field(client_address.unwrap_or("").as_bytes());
    field(action.as_bytes());
    field(record_type.as_bytes());
    field(record_id.unwrap_or("").as_bytes());
    field(outcome.as_bytes());
    field(personal_digest.as_bytes());
    h.finalize().into()
}

/// Whether `stored` is the hex form of `digest` (compared without allocating).
fn hex_matches(stored: &str, digest: &[u8; 32]) -> bool {
    let mut text = [0u8; 64];
    hex::encode_to_slice(digest, &mut text).is_ok() && stored.as_bytes() == text
}

/// Appends an entry to the audit trail inside the current write transaction (see [`append`]
/// for how each engine extends the chain).
macro_rules! audit_append {
    ($tx:ident, $store:expr, $entry:expr) => {{
        let entry: $crate::audit::AuditEntry = $entry;
        let at = $crate::audit::audit_instant($store.clock.now());
        $crate::audit::AppendAudit::append_audit(&mut $tx, entry, at).await?;
    }};
}

/// A stored entry, as read back for verification and review.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When it was appended.
    pub at: OffsetDateTime,
    /// Who acted.
    pub actor_user_id: Option<uuid::Uuid>,
    /// From where.
    pub client_address: Option<String>,
    /// What was done.
    pub action: String,
    /// Kind of record.
    pub record_type: String,
    /// Which record.
    pub record_id: Option<String>,
    /// How it ended.
    pub outcome: String,
    /// Purgeable personal details.
    pub personal_fields: Option<String>,
    /// Digest of the personal details at the time of writing.
    pub personal_digest: String,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// Where verification found the chain broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first sequence number at which the chain does not hold.
    pub seq: i64,
    /// What is wrong there.
    pub reason: String,
}

impl crate::Store {
    /// Returns once every audit entry committed so far is in the chain: for readers of the
    /// whole chain (verification, checkpoints, reviews) that must not miss an entry queued a
    /// moment ago, here or on another server. Immediate on SQLite, which chains at commit.
    pub async fn audit_chained(&self) {
        if let crate::engine::Engine::Postgres { sequencer, .. } = &self.engine {
            sequencer.chained().await;
        }
    }

    /// Checks the whole chain from the first entry, and names the first entry that was
    /// altered, inserted, removed or reordered. Returns the number of entries checked.
    ///
    /// The chain is read in ranges of sequence numbers, and each range is checked on a thread
    /// of its own while the next is read. A chain of millions of entries is never held in
    /// memory.
    pub async fn verify_audit_chain(&self) -> Result<Result<i64, ChainBreak>, crate::StoreError> {
        const RANGE: i64 = 4096;
        self.audit_chained().await;
        let (ranges, mut incoming) = tokio::sync::mpsc::channel::<Range>(2);
        let checker = tokio::task::spawn_blocking(move || {
            let mut chain = ChainCheck::default();
            let mut copied = CopyReader::default();
            while let Some(range) = incoming.blocking_recv() {
                match range {
                    Range::Json(None) => {}
                    Range::Json(Some(text)) => {
                        let entries: Vec<JsonEntry<'_>> = serde_json::from_str(&text).map_err(|_| chain.unreadable())?;
                        for entry in &entries {
                            chain.check(&entry.view()?)?;
                        }
                    }
                    Range::Copy(bytes) => copied.check(&bytes, &mut chain)?,
                }
            }
            copied.finish(&chain)?;
            Ok(chain.checked)
        });
        match &self.engine {
            // SQLite's driver hands rows over one at a time between threads, which costs far
            // more than hashing them; one JSON array per range of entries crosses once. The
            // first range has no lower bound and the last no upper one, so an entry numbered
            // outside 1..=last is still read, and found out of place.
            crate::engine::Engine::Sqlite { readers, .. } => {
                use futures_util::{StreamExt as _, TryStreamExt as _};
                let last: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log").fetch_one(readers).await?;
                let last = last.unwrap_or(0);
                let count = ((last.max(1) + RANGE - 1) / RANGE).max(1);
                let bounds = (0..count).map(move |n| {
                    let from = if n == 0 { i64::MIN } else { n * RANGE + 1 };
                    let to = if n + 1 == count { i64::MAX } else { (n + 1) * RANGE };
                    (from, to)
                });
                // Two ranges in flight on two readers, so SQLite builds one while the other
                // crosses over; they arrive in order.
                let mut read = futures_util::stream::iter(bounds)
                    .map(|(from, to)| {
                        // The order comes from the subquery, which walks the rowid in order; an
                        // ORDER BY inside the aggregate would sort a copy of the range instead.
                        sqlx::query_scalar::<_, Option<String>>(
                            "SELECT json_group_array(json_array(seq, at, nullif(hex(actor_user_id), ''), client_address, \
                             action, record_type, record_id, outcome, personal_fields, personal_digest, prev_hash, hash)) \
                             FROM (SELECT * FROM audit_log WHERE seq >= $1 AND seq <= $2 ORDER BY seq)",
                        )
                        .bind(from)
                        .bind(to)
                        .fetch_one(readers)
                    })
                    .buffered(2);
                while let Some(range) = read.try_next().await? {
                    if ranges.send(Range::Json(range)).await.is_err() {
                        break; // the checker already found the break
                    }
                }
            }
            // PostgreSQL copies the table out in its binary format, which the checker reads
            // itself: far less work on both sides than a row at a time through the query
            // protocol, and than text (no escapes, and the instant stays the microsecond count
            // it is stored as, which the hash covers).
            crate::engine::Engine::Postgres { pool, .. } => {
                use futures_util::TryStreamExt as _;
                use sqlx::postgres::PgPoolCopyExt as _;
                const CHUNK: usize = 1 << 20;
                let mut copied = pool
                    .copy_out_raw(
                        "COPY (SELECT seq, at, actor_user_id, client_address, action, record_type, record_id, outcome, \
                         personal_fields, personal_digest, prev_hash, hash FROM audit_log ORDER BY seq) \
                         TO STDOUT WITH (FORMAT binary)",
                    )
                    .await?;
                let mut chunk = Vec::with_capacity(CHUNK + 4096);
                while let Some(bytes) = copied.try_next().await? {
                    chunk.extend_from_slice(&bytes);
                    if chunk.len() >= CHUNK && ranges.send(Range::Copy(std::mem::take(&mut chunk))).await.is_err() {
                        break; // the checker already found the break
                    }
                }
                let _ = ranges.send(Range::Copy(chunk)).await;
            }
        }
        drop(ranges);
        checker
            .await
            .map_err(|e| crate::StoreError::Corrupt(format!("audit verification stopped: {e}")))
    }
}

/// One entry as the database hands it over for verification: seq, at, actor, client address,
/// action, record type, record id, outcome, personal fields, personal digest, previous hash,
/// hash.
#[derive(serde::Deserialize)]
struct JsonEntry<'a>(
    i64,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
);

/// A stretch of the chain as read: from SQLite one JSON array per range of entries (nothing
/// for an empty range), from PostgreSQL the next bytes of binary `COPY` output (which may end
/// part-way through an entry).
enum Range {
    Json(Option<String>),
    Copy(Vec<u8>),
}

impl JsonEntry<'_> {
    /// The entry's values; an instant or actor that does not parse was altered.
    fn view(&self) -> Result<EntryView<'_>, ChainBreak> {
        let altered = || ChainBreak {
            seq: self.0,
            reason: ALTERED.to_owned(),
        };
        Ok(EntryView {
            seq: self.0,
            at_micros: OffsetDateTime::parse(&self.1, &time::format_description::well_known::Rfc3339)
                .map_err(|_| altered())?
                .unix_timestamp_nanos()
                / 1000,
            actor: match self.2.as_deref() {
                Some(text) => Some(uuid::Uuid::try_parse(text).map_err(|_| altered())?),
                None => None,
            },
            client_address: self.3.as_deref().map(Cow::Borrowed),
            action: Cow::Borrowed(&self.4),
            record_type: Cow::Borrowed(&self.5),
            record_id: self.6.as_deref().map(Cow::Borrowed),
            outcome: Cow::Borrowed(&self.7),
            personal_fields: self.8.as_deref().map(Cow::Borrowed),
            personal_digest: Cow::Borrowed(&self.9),
            prev_hash: Cow::Borrowed(&self.10),
            hash: Cow::Borrowed(&self.11),
        })
    }
}

/// PostgreSQL's binary `COPY` output as it arrives, read entry by entry.
///
/// The format: an 11-byte signature, a flags word and a header extension; then per row a
/// 16-bit field count and per field a 32-bit length (−1 for NULL) and that many bytes; then a
/// count of −1. Integers are big-endian, a `uuid` is its 16 bytes, `text` its UTF-8 bytes,
/// and a `timestamptz` the microseconds since 2000-01-01 UTC.
#[derive(Default)]
struct CopyReader {
    /// Bytes received and not yet read: at most the start of one entry between chunks.
    pending: Vec<u8>,
    /// Whether any output was expected (only PostgreSQL's verification sends it, always at
    /// least once).
    used: bool,
    header_read: bool,
    ended: bool,
}

/// What one row of binary `COPY` output holds, as far as it has arrived.
#[allow(clippy::large_enum_variant, reason = "lives on the stack for one row, never stored")]
enum CopiedRow<'a> {
    /// A whole entry, and the bytes it took.
    Entry(EntryView<'a>, usize),
    /// The end of the output.
    End,
    /// The row continues in bytes not yet received.
    Incomplete,
    /// Not an entry as the application writes them.
    Unreadable,
}

/// Microseconds from 1970-01-01 to 2000-01-01, where PostgreSQL counts instants from.
const POSTGRES_EPOCH_MICROS: i128 = 946_684_800_000_000;

impl CopyReader {
    /// Checks every whole entry in what has arrived so far, keeping the rest for the next chunk.
    fn check(&mut self, bytes: &[u8], chain: &mut ChainCheck) -> Result<(), ChainBreak> {
        self.used = true;
        self.pending.extend_from_slice(bytes);
        let mut at = 0;
        if !self.header_read {
            match copy_header(&self.pending) {
                Some(Some(len)) => {
                    at = len;
                    self.header_read = true;
                }
                Some(None) => return Ok(()),
                None => return Err(chain.unreadable()),
            }
        }
        while !self.ended {
            match copied_row(self.pending.get(at..).unwrap_or_default()) {
                CopiedRow::Entry(entry, len) => {
                    chain.check(&entry)?;
                    at += len;
                }
                CopiedRow::End => {
                    self.ended = true;
                    at += 2;
                }
                CopiedRow::Incomplete => break,
                CopiedRow::Unreadable => return Err(chain.unreadable()),
            }
        }
        self.pending.drain(..at);
        if self.ended && !self.pending.is_empty() {
            return Err(chain.unreadable());
        }
        Ok(())
    }

    /// After the last chunk: the output must have ended where it says it does.
    fn finish(&self, chain: &ChainCheck) -> Result<(), ChainBreak> {
        if self.used && (!self.ended || !self.pending.is_empty()) {
            return Err(chain.unreadable());
        }
        Ok(())
    }
}

/// The length of binary `COPY`'s header: `Some(None)` until it has all arrived, `None` when
/// the output does not start as PostgreSQL's does.
fn copy_header(bytes: &[u8]) -> Option<Option<usize>> {
    const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
    let known = bytes.len().min(SIGNATURE.len());
    if bytes[..known] != SIGNATURE[..known] {
        return None;
    }
    let Some(extension) = bytes.get(15..19) else {
        return Some(None);
    };
    let extension = usize::try_from(u32::from_be_bytes(extension.try_into().ok()?)).ok()?;
    let len = 19 + extension;
    Some((bytes.len() >= len).then_some(len))
}

/// The next row of binary `COPY` output: twelve fields, in the order the query names them.
fn copied_row(bytes: &[u8]) -> CopiedRow<'_> {
    let Some(count) = bytes.get(..2) else {
        return CopiedRow::Incomplete;
    };
    match i16::from_be_bytes([count[0], count[1]]) {
        -1 => return CopiedRow::End,
        12 => {}
        _ => return CopiedRow::Unreadable,
    }
    let mut at = 2;
    let mut fields: [Option<&[u8]>; 12] = [None; 12];
    for field in &mut fields {
        let Some(len) = bytes.get(at..at + 4) else {
            return CopiedRow::Incomplete;
        };
        at += 4;
        // −1 is NULL; no other negative length is written.
        let Ok(len) = usize::try_from(i32::from_be_bytes([len[0], len[1], len[2], len[3]])) else {
            continue;
        };
        let Some(value) = bytes.get(at..at + len) else {
            return CopiedRow::Incomplete;
        };
        *field = Some(value);
        at += len;
    }
    match copied_entry(fields) {
        Some(entry) => CopiedRow::Entry(entry, at),
        None => CopiedRow::Unreadable,
    }
}

/// An entry from one row's fields; `None` when a field is not what the column holds.
fn copied_entry<'a>(fields: [Option<&'a [u8]>; 12]) -> Option<EntryView<'a>> {
    let [
        seq,
        at,
        actor,
        client_address,
        action,
        record_type,
        record_id,
        outcome,
        personal_fields,
        personal_digest,
        prev_hash,
        hash,
    ] = fields;
    let int8 = |field: Option<&[u8]>| field.and_then(|b| <[u8; 8]>::try_from(b).ok()).map(i64::from_be_bytes);
    // `Some(None)` for NULL; `None` when it is not UTF-8.
    let text = |field: Option<&'a [u8]>| match field {
        Some(bytes) => std::str::from_utf8(bytes).ok().map(|t| Some(Cow::Borrowed(t))),
        None => Some(None),
    };
    Some(EntryView {
        seq: int8(seq)?,
        at_micros: i128::from(int8(at)?) + POSTGRES_EPOCH_MICROS,
        actor: match actor {
            Some(bytes) => Some(uuid::Uuid::from_slice(bytes).ok()?),
            None => None,
        },
        client_address: text(client_address)?,
        action: text(action)??,
        record_type: text(record_type)??,
        record_id: text(record_id)?,
        outcome: text(outcome)??,
        personal_fields: text(personal_fields)?,
        personal_digest: text(personal_digest)??,
        prev_hash: text(prev_hash)??,
        hash: text(hash)??,
    })
}

/// What verification says of an entry whose hash no longer matches its contents.
const ALTERED: &str = "contents were altered after it was written";

/// An entry's stored values, borrowed.
struct EntryView<'a> {
    seq: i64,
    at_micros: i128,
    actor: Option<uuid::Uuid>,
    client_address: Option<Cow<'a, str>>,
    action: Cow<'a, str>,
    record_type: Cow<'a, str>,
    record_id: Option<Cow<'a, str>>,
    outcome: Cow<'a, str>,
    personal_fields: Option<Cow<'a, str>>,
    personal_digest: Cow<'a, str>,
    prev_hash: Cow<'a, str>,
    hash: Cow<'a, str>,
}

/// Verification's place in the chain: what the next entry must follow.
struct ChainCheck {
    checked: i64,
    prev: String,
}

impl Default for ChainCheck {
    fn default() -> Self {
        Self {
            checked: 0,
            prev: GENESIS.to_owned(),
        }
    }
}

impl ChainCheck {
    /// The break to report when what follows the last good entry cannot even be read.
    fn unreadable(&self) -> ChainBreak {
        ChainBreak {
            seq: self.checked + 1,
            reason: "the entries from here could not be read as the application writes them".to_owned(),
        }
    }

    /// Checks the next entry: in its place, following the one before, its personal fields
    /// and its contents as they were written.
    fn check(&mut self, e: &EntryView<'_>) -> Result<(), ChainBreak> {
        let expected_seq = self.checked + 1;
        let broken = |reason: &str| ChainBreak {
            seq: e.seq,
            reason: reason.to_owned(),
        };
        if e.seq != expected_seq {
            return Err(ChainBreak {
                seq: e.seq,
                reason: format!("expected entry {expected_seq} here: an entry was removed or inserted"),
            });
        }
        if e.prev_hash != self.prev.as_str() {
            return Err(broken(
                "does not follow the entry before it: entries were removed, inserted or reordered",
            ));
        }
        if let Some(fields) = &e.personal_fields
            && !hex_matches(&e.personal_digest, &Sha256::digest(fields.as_bytes()).into())
        {
            return Err(broken("personal fields were altered"));
        }
        let digest = entry_digest(
            &e.prev_hash,
            e.seq,
            e.at_micros,
            e.actor,
            e.client_address.as_deref(),
            &e.action,
            &e.record_type,
            e.record_id.as_deref(),
            &e.outcome,
            &e.personal_digest,
        );
        if !hex_matches(&e.hash, &digest) {
            return Err(broken(ALTERED));
        }
        e.hash.as_ref().clone_into(&mut self.prev);
        self.checked = expected_seq;
        Ok(())
    }
}

/// An entry waiting for the group-commit writer, with the way to tell its request it is durable.
type Pending = (AuditEntry, tokio::sync::oneshot::Sender<Result<(), String>>);

/// The queue in front of the group-commit writer. Reads of personal data are audited too, so
/// every page view is a write; rather than one transaction (and one fsync) per view, a single
/// task takes every entry waiting, appends them in one transaction, and only then lets each
/// request answer. "Who saw what" survives a crash without a commit per page view.
#[derive(Clone, Debug)]
pub(crate) struct GroupCommit {
    queue: tokio::sync::mpsc::Sender<Pending>,
}

/// Most entries appended in one transaction.
const GROUP_LIMIT: usize = 512;

impl GroupCommit {
    /// Starts the writer task for a store (which must not itself have a queue).
    pub(crate) fn start(store: crate::Store) -> Self {
        let (queue, mut rx) = tokio::sync::mpsc::channel::<Pending>(4096);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < GROUP_LIMIT {
                    match rx.try_recv() {
                        Ok(p) => batch.push(p),
                        Err(_) => break,
                    }
                }
                let result = store.append_audit_batch(batch.iter().map(|(e, _)| e.clone()).collect()).await;
                let outcome = result.map_err(|e| {
                    tracing::error!(error = %e, entries = batch.len(), "audit group commit failed");
                    e.to_string()
                });
                for (_, done) in batch {
                    let _ = done.send(outcome.clone());
                }
            }
        });
        Self { queue }
    }
}

impl crate::Store {
    /// Records that someone read personal data. Returns only once the entry is durable, so a
    /// page is never shown without its record; concurrent reads share one transaction.
    pub async fn audit_read(&self, entry: AuditEntry) -> Result<(), crate::StoreError> {
        let Some(group) = &self.audit_queue else {
            return self.append_audit_batch(vec![entry]).await;
        };
        let (done, wait) = tokio::sync::oneshot::channel();
        group
            .queue
            .send((entry, done))
            .await
            .map_err(|_| crate::StoreError::AuditUnavailable)?;
        wait.await
            .map_err(|_| crate::StoreError::AuditUnavailable)?
            .map_err(crate::StoreError::AuditFailed)
    }

    async fn append_audit_batch(&self, entries: Vec<AuditEntry>) -> Result<(), crate::StoreError> {
        write!(self, tx, kind => {
            for entry in entries {
                audit_append!(tx, self, entry);
            }
        });
        Ok(())
    }
}

/// The service's key for signing checkpoints of the chain head.
///
/// An attacker who can rewrite the database can recompute every hash in the chain; what they
/// cannot do is change a checkpoint that was already handed to an outside witness. The key
/// comes from a file the operator keeps outside the database (`EARLYHELP_AUDIT_KEY_FILE`) or,
/// by default, from a secret kept in the database itself, which still lets a witness notice a
/// rewritten history (its old checkpoints stop matching).
#[derive(Clone)]
pub struct CheckpointKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for CheckpointKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CheckpointKey").field(&self.public_key()).finish()
    }
}

impl CheckpointKey {
    /// A key from its 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// The public key, hex-encoded, as checkpoints carry it and witnesses pin it.
    pub fn public_key(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }
}

/// A signed statement that the audit chain's entry `seq` had hash `hash` at `signed_at`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// The entry the checkpoint covers (and so every entry before it).
    pub seq: i64,
    /// That entry's hash.
    pub hash: String,
    /// When it was signed.
    #[serde(with = "time::serde::rfc3339")]
    pub signed_at: OffsetDateTime,
    /// The Ed25519 public key that signed it, hex.
    pub public_key: String,
    /// The Ed25519 signature over [`Checkpoint::message`], hex.
    pub signature: String,
}

impl Checkpoint {
    /// The exact bytes signed: versioned and labelled, so a signature can never be mistaken for
    /// one over something else.
    pub fn message(seq: i64, hash: &str, signed_at: OffsetDateTime) -> String {
        format!(
            "earlyhelp audit checkpoint v1\nseq={seq}\nhash={hash}\nsigned_at={}\n",
            signed_at.unix_timestamp()
        )
    }

    /// Whether the signature is valid for this checkpoint under its own public key. (A witness
    /// also checks the key is the one it pinned.)
    pub fn signature_is_valid(&self) -> bool {
        let key = hex::decode(&self.public_key)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok());
        let signature = hex::decode(&self.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| ed25519_dalek::Signature::from_bytes(&b));
        match (key, signature) {
            (Some(key), Some(signature)) => key
                .verify_strict(Self::message(self.seq, &self.hash, self.signed_at).as_bytes(), &signature)
                .is_ok(),
            _ => false,
        }
    }
}

impl crate::Store {
    /// The checkpoint key kept in the database, created on first use: the default when the
    /// operator has not configured a key file.
    pub async fn stored_checkpoint_key(&self) -> Result<CheckpointKey, crate::StoreError> {
        Ok(CheckpointKey::from_seed(self.shared_secret("audit-checkpoint-key").await?))
    }

    /// Signs the current head of the chain, unless it is already checkpointed (or the chain is
    /// empty). Safe on several servers at once: a checkpoint for the same entry is kept once.
    pub async fn sign_checkpoint(&self, key: &CheckpointKey) -> Result<Option<Checkpoint>, crate::StoreError> {
        use ed25519_dalek::Signer;
        self.audit_chained().await;
        let head: Option<(i64, String)> = read!(self, db => {
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_optional(db).await?
        });
        let Some((seq, hash)) = head else { return Ok(None) };
        let signed_at = self.now();
        let signature = key.0.sign(Checkpoint::message(seq, &hash, signed_at).as_bytes());
        let checkpoint = Checkpoint {
            seq,
            hash,
            signed_at,
            public_key: key.public_key(),
            signature: hex::encode(signature.to_bytes()),
        };
        let inserted = write!(self, tx, kind => {
            sqlx::query(
                "INSERT INTO audit_checkpoints (seq, hash, signed_at, public_key, signature) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (seq) DO NOTHING",
            )
            .bind(checkpoint.seq)
            .bind(&checkpoint.hash)
            .bind(checkpoint.signed_at)
            .bind(&checkpoint.public_key)
            .bind(&checkpoint.signature)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        Ok((inserted == 1).then_some(checkpoint))
    }

    /// Every checkpoint, oldest first: what `earlyhelp audit checkpoints` exports to a witness.
    pub async fn checkpoints(&self) -> Result<Vec<Checkpoint>, crate::StoreError> {
        Ok(read!(self, db => {
            sqlx::query_as("SELECT seq, hash, signed_at, public_key, signature FROM audit_checkpoints ORDER BY seq")
                .fetch_all(db)
                .await?
        }))
    }

    /// Checks checkpoints (the database's own, or a witness's copies) against the chain as it
    /// is now: each must carry a valid signature, by `pinned_key` when one is given, and name
    /// an entry whose hash is still the one signed. Run after [`Store::verify_audit_chain`]:
    /// a chain that verifies but no longer matches a checkpoint was rewritten wholesale.
    pub async fn verify_checkpoints(
        &self,
        checkpoints: &[Checkpoint],
        pinned_key: Option<&str>,
    ) -> Result<Result<usize, ChainBreak>, crate::StoreError> {
        for c in checkpoints {
            if pinned_key.is_some_and(|k| k != c.public_key) || !c.signature_is_valid() {
                return Ok(Err(ChainBreak {
                    seq: c.seq,
                    reason: "the checkpoint for this entry is not validly signed by the service's key".into(),
                }));
            }
            let stored: Option<(String,)> = read!(self, db => {
                sqlx::query_as("SELECT hash FROM audit_log WHERE seq = $1").bind(c.seq).fetch_optional(db).await?
            });
            match stored {
                Some((hash,)) if hash == c.hash => {}
                Some(_) => {
                    return Ok(Err(ChainBreak {
                        seq: c.seq,
                        reason: "differs from the signed checkpoint: the chain up to here was rewritten".into(),
                    }));
                }
                None => {
                    return Ok(Err(ChainBreak {
                        seq: c.seq,
                        reason: "a signed checkpoint names this entry but it is missing: the chain was cut short".into(),
                    }));
                }
            }
        }
        Ok(Ok(checkpoints.len()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test should stop loudly at the first surprise")]

    use super::*;

    /// Binary `COPY` output of a valid chain of `n` entries, as PostgreSQL writes it.
    fn copy_output(n: i64) -> Vec<u8> {
        let mut out = b"PGCOPY\n\xff\r\n\0".to_vec();
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&4u32.to_be_bytes());
        out.extend_from_slice(b"extn");
        let mut prev = GENESIS.to_owned();
        for seq in 1..=n {
            let at: i64 = 800_000_000_000_000 + seq;
            let actor = uuid::Uuid::from_u128(u128::try_from(seq).unwrap());
            let record_id = format!("record\t{seq}\n");
            let digest = hex::encode(Sha256::digest(b""));
            let hash = hex::encode(entry_digest(
                &prev,
                seq,
                i128::from(at) + POSTGRES_EPOCH_MICROS,
                Some(actor),
                None,
                "view_family",
                "family",
                Some(&record_id),
                "ok",
                &digest,
            ));
            out.extend_from_slice(&12i16.to_be_bytes());
            let fields: [Option<&[u8]>; 12] = [
                Some(&seq.to_be_bytes()),
                Some(&at.to_be_bytes()),
                Some(actor.as_bytes()),
                None,
                Some(b"view_family"),
                Some(b"family"),
                Some(record_id.as_bytes()),
                Some(b"ok"),
                Some(b""),
                Some(digest.as_bytes()),
                Some(prev.as_bytes()),
                Some(hash.as_bytes()),
            ];
            for field in fields {
                match field {
                    Some(bytes) => {
                        out.extend_from_slice(&i32::try_from(bytes.len()).unwrap().to_be_bytes());
                        out.extend_from_slice(bytes);
                    }
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                }
            }
            prev = hash;
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    fn read_in_chunks(output: &[u8], cuts: &[usize]) -> Result<i64, ChainBreak> {
        let mut chain = ChainCheck::default();
        let mut reader = CopyReader::default();
        let mut from = 0;
        for &cut in cuts.iter().chain([&output.len()]) {
            reader.check(&output[from..cut], &mut chain)?;
            from = cut;
        }
        reader.finish(&chain)?;
        Ok(chain.checked)
    }

    #[test]
    fn copied_entries_verify_wherever_the_chunks_are_cut() {
        let output = copy_output(3);
        assert_eq!(read_in_chunks(&output, &[]), Ok(3));
        for cut in 0..=output.len() {
            assert_eq!(read_in_chunks(&output, &[cut]), Ok(3), "cut at byte {cut}");
        }
        let every_byte: Vec<usize> = (1..output.len()).collect();
        assert_eq!(read_in_chunks(&output, &every_byte), Ok(3));
    }

    #[test]
    fn copy_output_that_stops_short_or_runs_on_is_unreadable() {
        let output = copy_output(2);
        for end in [output.len() - 2, output.len() - 30, 12, 0] {
            let broken = read_in_chunks(&output[..end], &[]).unwrap_err();
            assert!(broken.reason.contains("could not be read"), "{end}: {broken:?}");
        }
        let mut longer = output.clone();
        longer.push(0);
        assert!(read_in_chunks(&longer, &[]).is_err());
        let mut not_postgres = output;
        not_postgres[0] = b'X';
        assert!(read_in_chunks(&not_postgres, &[]).is_err());
    }

    #[test]
    fn a_copied_entry_altered_in_transit_is_reported_at_that_entry() {
        let mut output = copy_output(3);
        let at = output.windows(8).rposition(|w| w == b"record\t2").unwrap();
        output[at] = b'R';
        let broken = read_in_chunks(&output, &[at]).unwrap_err();
        assert_eq!(
            broken,
            ChainBreak {
                seq: 2,
                reason: ALTERED.to_owned()
            }
        );
    }
}
