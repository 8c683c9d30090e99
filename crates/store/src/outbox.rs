//! The outbox: background work written in the same transaction as the change that causes it,
//! and claimed by workers on any number of app servers.
//!
//! A change that needs work done later (an e-mail, and in later issues a circulation, a
//! reminder, a retention purge) inserts a [`Job`] with [`enqueue_job!`] inside its own write
//! transaction, so the work exists if and only if the change committed. Workers call
//! [`crate::Store::claim_due_job`]: on PostgreSQL the due row is taken `FOR UPDATE SKIP
//! LOCKED`, so two servers never take the same job and neither waits for the other; on SQLite
//! the claim runs in the writer's `BEGIN IMMEDIATE` transaction, which is already exclusive.
//! A claim is a lease (`locked_until`): a worker that dies mid-job loses it when the lease
//! runs out, and another worker runs the job again. Jobs are therefore written to be safe to
//! run twice. Payloads carry ids, never personal data: the worker reads what it needs when it
//! runs, so a job for a record changed meanwhile does the right thing (or nothing).

use crate::{Store, StoreError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A job's id (UUIDv7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub Uuid);

impl JobId {
    /// A fresh, time-ordered id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for JobId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Every kind of background work, with the ids it needs. Stored as JSON (`{"kind": …}`) in
/// `jobs.payload`, with the kind also in `jobs.kind` so a worker claims only kinds it knows
/// (during a rolling upgrade an older server leaves a newer kind to a newer server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// E-mail an account link (an invitation or a password reset) to the account's holder.
    /// Idempotent: a link already sent, used, superseded or expired is not sent again.
    SendAccountLink {
        /// The link, in `account_links`.
        link: crate::links::AccountLinkId,
    },
    /// Tell one member of staff that a referral needs them, or what became of theirs. The
    /// e-mail holds a link and nothing about the family. Idempotent enough: sent again at worst
    /// once after a worker dies mid-send; not sent to an account no longer active.
    NotifyReferral {
        /// The referral.
        referral: domain::ReferralId,
        /// Who to tell.
        user: domain::UserId,
        /// Why.
        notice: crate::referrals::Notice,
    },
    /// E-mail a member organisation without accounts its copy of a meeting's list of families,
    /// to the secure mailbox its panel seat names. Built when sent, so a family that excluded
    /// the organisation meanwhile is left out.
    SendAgendaCopy {
        /// The meeting.
        meeting: domain::MeetingId,
        /// The organisation.
        organisation: domain::OrganisationId,
    },
    /// Remind the owner of an overdue action. The e-mail holds a link and no family details;
    /// nothing is sent if the action was closed meanwhile.
    RemindAction {
        /// The action.
        action: domain::AgreedActionId,
    },
    /// Tell a member's representative that the organisation's copy of a meeting's list is in
    /// earlyhelp. The e-mail holds a link and no family details.
    NotifyAgendaCopy {
        /// The meeting.
        meeting: domain::MeetingId,
        /// Who to tell.
        user: domain::UserId,
    },
}

impl Job {
    /// The kind codes this version can run.
    pub const KINDS: &'static [&'static str] = &[
        "send_account_link",
        "notify_referral",
        "send_agenda_copy",
        "notify_agenda_copy",
        "remind_action",
    ];

    /// This job's kind code, as in `jobs.kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Job::SendAccountLink { .. } => "send_account_link",
            Job::NotifyReferral { .. } => "notify_referral",
            Job::SendAgendaCopy { .. } => "send_agenda_copy",
            Job::NotifyAgendaCopy { .. } => "notify_agenda_copy",
            Job::RemindAction { .. } => "remind_action",
        }
    }
}

/// A job a worker has claimed: run it, then complete, retry or fail it with this attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    /// Which job.
    pub id: JobId,
    /// This attempt's number, from 1.
    pub attempt: i64,
    /// What to do.
    pub job: Job,
}

/// A job as an operator (or a test) sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JobRecord {
    /// Which job.
    #[sqlx(try_from = "Uuid")]
    pub id: JobId,
    /// Its kind code.
    pub kind: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// When it is (next) due.
    pub run_at: OffsetDateTime,
    /// Until when a worker holds it.
    pub locked_until: Option<OffsetDateTime>,
    /// Why the last attempt failed (never personal data).
    pub last_error: Option<String>,
    /// When it was done.
    pub done_at: Option<OffsetDateTime>,
    /// When it was given up.
    pub failed_at: Option<OffsetDateTime>,
}

impl From<Uuid> for JobId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

/// Inserts a job inside the current write transaction, due at `$run_at`; evaluates to its id.
macro_rules! enqueue_job {
    ($tx:ident, $store:expr, $job:expr, $run_at:expr) => {{
        let job: $crate::outbox::Job = $job;
        let payload = serde_json::to_string(&job).map_err(|e| $crate::StoreError::Corrupt(e.to_string()))?;
        let id = $crate::outbox::JobId::new();
        sqlx::query("INSERT INTO jobs (id, kind, payload, run_at, attempts, created_at) VALUES ($1, $2, $3, $4, 0, $5)")
            .bind(id.0)
            .bind(job.kind())
            .bind(payload)
            .bind($crate::engine::db_instant($run_at))
            .bind($store.now())
            .execute(&mut *$tx)
            .await?;
        id
    }};
}

/// Enqueues many jobs inside the caller's write transaction in one statement per hundred, all
/// due at `$run_at`: what circulation queues for every member agency at once.
macro_rules! enqueue_jobs {
    ($tx:ident, $store:expr, $jobs:expr, $run_at:expr) => {{
        let jobs: &[$crate::outbox::Job] = $jobs;
        let run_at = $crate::engine::db_instant($run_at);
        let created = $store.now();
        let mut rows = Vec::with_capacity(jobs.len());
        for job in jobs {
            let payload = serde_json::to_string(job).map_err(|e| $crate::StoreError::Corrupt(e.to_string()))?;
            rows.push(($crate::outbox::JobId::new(), job.kind(), payload));
        }
        for chunk in rows.chunks(100) {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO jobs (id, kind, payload, run_at, attempts, created_at) ");
            q.push_values(chunk, |mut b, (id, kind, payload)| {
                b.push_bind(id.0)
                    .push_bind(*kind)
                    .push_bind(payload)
                    .push_bind(run_at)
                    .push("0")
                    .push_bind(created);
            });
            q.build().execute(&mut *$tx).await?;
        }
    }};
}

/// The condition for a job this version can run that is due and not held by a worker, with
/// "now" bound as `$now` and the kinds of [`Job::KINDS`] bound from `$first_kind` on.
fn due(now: usize, first_kind: usize) -> String {
    let kinds: Vec<String> = (0..Job::KINDS.len()).map(|i| format!("${}", first_kind + i)).collect();
    format!(
        "done_at IS NULL AND failed_at IS NULL AND run_at <= ${now} AND (locked_until IS NULL OR locked_until <= ${now}) \
         AND kind IN ({})",
        kinds.join(", ")
    )
}

impl Store {
    /// Whether any job this version can run is due: a cheap read, so idle workers on SQLite
    /// do not take the write lock every time they look.
    pub async fn has_due_job(&self) -> Result<bool, StoreError> {
        let now = self.now();
        let sql = format!("SELECT COUNT(*) FROM jobs WHERE {}", due(1, 2));
        let (n,): (i64,) = read!(self, db => {
            let mut q = sqlx::query_as(&sql).bind(now);
            for k in Job::KINDS {
                q = q.bind(*k);
            }
            q.fetch_one(db).await?
        });
        Ok(n > 0)
    }

    /// Claims the job that has been due longest, holding it for `lease`, and counts the
    /// attempt. `None` when nothing is due. Safe with any number of workers: on PostgreSQL the
    /// row is locked `FOR UPDATE SKIP LOCKED` (a row another worker is claiming is skipped,
    /// not waited for); on SQLite the claim is inside the one writer's immediate transaction.
    pub async fn claim_due_job(&self, lease: time::Duration) -> Result<Option<ClaimedJob>, StoreError> {
        let now = self.now();
        let row: Option<(Uuid, String, String, i64)> = write!(self, tx, kind => {
            let lock = if kind == crate::EngineKind::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
            let sql = format!(
                "UPDATE jobs SET attempts = attempts + 1, locked_until = $1 \
                 WHERE id = (SELECT id FROM jobs WHERE {} ORDER BY run_at, id LIMIT 1{lock}) \
                 RETURNING id, kind, payload, attempts",
                due(2, 3)
            );
            let mut q = sqlx::query_as(&sql).bind(now + lease).bind(now);
            for k in Job::KINDS {
                q = q.bind(*k);
            }
            q.fetch_optional(&mut *tx).await?
        });
        let Some((id, kind, payload, attempt)) = row else { return Ok(None) };
        let job = match serde_json::from_str::<Job>(&payload) {
            Ok(job) if job.kind() == kind => job,
            _ => {
                // No attempt can run it: leave it failed rather than claim it again forever.
                self.fail_attempt(JobId(id), attempt, "the job's payload could not be read").await?;
                return Err(StoreError::Corrupt(format!("payload of job {id}")));
            }
        };
        Ok(Some(ClaimedJob {
            id: JobId(id),
            attempt,
            job,
        }))
    }

    /// Marks a claimed job done. A worker whose lease ran out (another attempt began) changes
    /// nothing.
    pub async fn complete_job(&self, job: &ClaimedJob) -> Result<(), StoreError> {
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query("UPDATE jobs SET done_at = $1, locked_until = NULL, last_error = NULL WHERE id = $2 AND attempts = $3")
                .bind(now)
                .bind(job.id.0)
                .bind(job.attempt)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Puts a claimed job back to run again at `run_at`, keeping why this attempt failed.
    /// `error` must hold no personal data (the worker writes fixed texts).
    pub async fn retry_job(&self, job: &ClaimedJob, error: &str, run_at: OffsetDateTime) -> Result<(), StoreError> {
        write!(self, tx, kind => {
            sqlx::query("UPDATE jobs SET run_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3 AND attempts = $4")
                .bind(crate::engine::db_instant(run_at))
                .bind(error)
                .bind(job.id.0)
                .bind(job.attempt)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Gives a claimed job up: it stays in the table, failed, with its last error.
    pub async fn fail_job(&self, job: &ClaimedJob, error: &str) -> Result<(), StoreError> {
        self.fail_attempt(job.id, job.attempt, error).await
    }

    async fn fail_attempt(&self, id: JobId, attempt: i64, error: &str) -> Result<(), StoreError> {
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query("UPDATE jobs SET failed_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3 AND attempts = $4")
                .bind(now)
                .bind(error)
                .bind(id.0)
                .bind(attempt)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Every job, oldest first: for operators and tests.
    pub async fn jobs(&self) -> Result<Vec<JobRecord>, StoreError> {
        let rows = read!(self, db => {
            sqlx::query_as("SELECT id, kind, attempts, run_at, locked_until, last_error, done_at, failed_at FROM jobs ORDER BY created_at, id")
                .fetch_all(db)
                .await?
        });
        Ok(rows)
    }
}
