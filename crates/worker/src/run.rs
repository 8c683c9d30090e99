//! The worker: claims due jobs from the outbox, runs them, and records how each ended.
//!
//! A job that fails is tried again later with exponential backoff ([`backoff`]), up to
//! [`Settings::max_attempts`]; then it is left failed with its last error. A failure that
//! retrying cannot mend (an SMTP server refusing a message outright) is given up at once.
//! Errors are stored and logged as fixed texts, never with addresses or names: logs carry
//! the job's id, kind and attempt.

use crate::emails;
use crate::mail::{Mailer, PublicUrl};
use std::time::Duration;
use store::Store;
use store::outbox::{ClaimedJob, Job};
use tokio::sync::watch;

/// How the worker behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The base of links in e-mails.
    pub public_url: PublicUrl,
    /// The council's name, in e-mails.
    pub council_name: String,
    /// How long a claim holds a job: longer than any job takes (an SMTP send times out after
    /// a minute), short enough that a job whose worker died is soon run by another.
    pub lease: time::Duration,
    /// How often an idle worker looks for due jobs.
    pub poll_interval: Duration,
    /// Attempts before a job is left failed.
    pub max_attempts: i64,
}

impl Settings {
    /// The settings `serve` and `demo` use.
    pub fn new(public_url: PublicUrl, council_name: String) -> Self {
        Self {
            public_url,
            council_name,
            lease: time::Duration::minutes(5),
            poll_interval: Duration::from_secs(2),
            max_attempts: 10,
        }
    }
}

/// How long to wait before attempt `attempt + 1`, after attempt `attempt` failed: 30 seconds,
/// doubling each time, never more than an hour. Ten attempts span about three and a half hours,
/// long enough to ride out an SMTP server's restart or a night's maintenance window.
pub fn backoff(attempt: i64) -> time::Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let seconds = 30_i64.saturating_mul(1_i64 << doublings);
    time::Duration::seconds(seconds.min(3600))
}

/// Why one attempt at a job failed.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// Worth trying again.
    #[error("{0}")]
    Retry(String),
    /// Not worth trying again.
    #[error("{0}")]
    GiveUp(String),
}

impl From<store::StoreError> for Failure {
    fn from(e: store::StoreError) -> Self {
        match e {
            // The key changed or the value was altered: trying again cannot open it.
            store::StoreError::Undecryptable(what) => Failure::GiveUp(format!("{what} could not be decrypted")),
            store::StoreError::NoSecretsKey => Failure::GiveUp("the worker has no secrets key".into()),
            _ => Failure::Retry("the database could not be read or written".into()),
        }
    }
}

impl From<crate::mail::SendError> for Failure {
    fn from(e: crate::mail::SendError) -> Self {
        if e.is_permanent() {
            Failure::GiveUp(e.to_string())
        } else {
            Failure::Retry(e.to_string())
        }
    }
}

/// Runs jobs from the outbox. Cheap to clone; run one per app server (or several).
#[derive(Debug, Clone)]
pub struct Worker {
    store: Store,
    mailer: Mailer,
    settings: Settings,
}

impl Worker {
    /// A worker for this store, sending mail with this mailer.
    pub fn new(store: Store, mailer: Mailer, settings: Settings) -> Self {
        Self { store, mailer, settings }
    }

    /// Runs every job due now, one after another, until none is left or `stop` says so;
    /// returns how many attempts were made. A job retried by this pass is not due again
    /// until its backoff has passed, so this always ends.
    pub async fn run_due(&self, stop: Option<&watch::Receiver<bool>>) -> Result<usize, store::StoreError> {
        let mut ran = 0;
        while !stop.is_some_and(|s| *s.borrow()) && self.store.has_due_job().await? {
            let Some(claimed) = self.store.claim_due_job(self.settings.lease).await? else {
                break; // another worker took it
            };
            self.run_one(claimed).await?;
            ran += 1;
        }
        Ok(ran)
    }

    /// Runs due jobs until `stop` turns true, looking again every poll interval. A job under
    /// way when the signal comes is finished first, so a stop never abandons a half-sent e-mail.
    pub async fn run_until_stopped(self, mut stop: watch::Receiver<bool>) {
        let mut planned_on = None;
        loop {
            if let Err(e) = self.run_scheduled(&mut planned_on).await {
                tracing::warn!(error = kind_of(&e), "the worker could not run scheduled work");
            }
            if let Err(e) = self.run_due(Some(&stop)).await {
                tracing::warn!(error = kind_of(&e), "the worker could not reach the outbox");
            }
            if *stop.borrow() {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(self.settings.poll_interval) => {}
                _ = stop.changed() => {}
            }
        }
        tracing::info!("worker stopped");
    }

    /// The work the calendar calls for rather than a job: each day, the year's meetings are
    /// generated ahead; on every pass, lists whose circulation moment has come are sent (each
    /// once, whichever server gets there first) and owners of overdue actions are reminded
    /// (weekly while overdue). `planned_on` is the day meetings were last
    /// generated by this worker.
    pub async fn run_scheduled(&self, planned_on: &mut Option<time::Date>) -> Result<(), store::StoreError> {
        let today = domain::clock::london_date(self.store.now());
        if *planned_on != Some(today) {
            let added = self.store.plan_meetings(store::meetings::planning_horizon(today)).await?;
            if added > 0 {
                tracing::info!(added, "meetings generated from panel cadences");
            }
            *planned_on = Some(today);
        }
        self.store.circulate_due_agendas().await?;
        self.store.remind_overdue_actions().await?;
        Ok(())
    }

    async fn run_one(&self, claimed: ClaimedJob) -> Result<(), store::StoreError> {
        let kind = claimed.job.kind();
        match self.execute(&claimed).await {
            Ok(()) => {
                self.store.complete_job(&claimed).await?;
                tracing::info!(job = %claimed.id, kind, attempt = claimed.attempt, "job done");
            }
            Err(Failure::Retry(error)) if claimed.attempt < self.settings.max_attempts => {
                let at = self.store.now() + backoff(claimed.attempt);
                self.store.retry_job(&claimed, &error, at).await?;
                tracing::warn!(job = %claimed.id, kind, attempt = claimed.attempt, error, "job failed; will retry");
            }
            Err(failure) => {
                let error = failure.to_string();
                self.give_up(&claimed).await?;
                self.store.fail_job(&claimed, &error).await?;
                tracing::error!(job = %claimed.id, kind, attempt = claimed.attempt, error, "job failed; given up");
            }
        }
        Ok(())
    }

    async fn execute(&self, claimed: &ClaimedJob) -> Result<(), Failure> {
        match &claimed.job {
            Job::SendAccountLink { link } => {
                let Some(delivery) = self.store.link_for_delivery(*link).await? else {
                    // Sent already, used, superseded, expired or deactivated: nothing to do.
                    return Ok(());
                };
                let message = emails::account_link(&delivery, &self.settings.public_url, &self.settings.council_name)
                    .map_err(|_| Failure::GiveUp("the e-mail could not be written".into()))?;
                self.mailer.send(&claimed.id.to_string(), self.store.now(), &message).await?;
                self.store.mark_link_sent(*link).await?;
                Ok(())
            }
            Job::NotifyReferral { referral, user, notice } => {
                let Some(delivery) = self.store.notice_for_delivery(*referral, *user, *notice).await? else {
                    return Ok(()); // the account was deactivated meanwhile
                };
                let message = emails::referral_notice(&delivery, &self.settings.public_url, &self.settings.council_name)
                    .map_err(|_| Failure::GiveUp("the e-mail could not be written".into()))?;
                self.mailer.send(&claimed.id.to_string(), self.store.now(), &message).await?;
                Ok(())
            }
            Job::SendAgendaCopy { meeting, organisation } => {
                let Some(delivery) = self.store.copy_for_delivery(*meeting, *organisation).await? else {
                    return Ok(()); // cancelled, or no longer for e-mail
                };
                let message = emails::agenda_copy(&delivery, &self.settings.council_name)
                    .map_err(|_| Failure::GiveUp("the e-mail could not be written".into()))?;
                self.mailer.send(&claimed.id.to_string(), self.store.now(), &message).await?;
                Ok(())
            }
            Job::RemindAction { action } => {
                let Some(delivery) = self.store.reminder_for_delivery(*action).await? else {
                    return Ok(()); // done, cancelled, or no longer theirs to see
                };
                let message = emails::action_reminder(&delivery, &self.settings.public_url, &self.settings.council_name)
                    .map_err(|_| Failure::GiveUp("the e-mail could not be written".into()))?;
                self.mailer.send(&claimed.id.to_string(), self.store.now(), &message).await?;
                Ok(())
            }
            Job::NotifyAgendaCopy { meeting, user } => {
                let Some(delivery) = self.store.copy_notice_for_delivery(*meeting, *user).await? else {
                    return Ok(());
                };
                let message = emails::agenda_notice(&delivery, &self.settings.public_url, &self.settings.council_name)
                    .map_err(|_| Failure::GiveUp("the e-mail could not be written".into()))?;
                self.mailer.send(&claimed.id.to_string(), self.store.now(), &message).await?;
                Ok(())
            }
        }
    }

    /// What giving a job up means beyond the job itself.
    async fn give_up(&self, claimed: &ClaimedJob) -> Result<(), store::StoreError> {
        match &claimed.job {
            Job::SendAccountLink { link } => self.store.mark_link_undeliverable(*link).await,
            Job::NotifyReferral { .. } | Job::SendAgendaCopy { .. } | Job::NotifyAgendaCopy { .. } | Job::RemindAction { .. } => Ok(()),
        }
    }
}

/// A store error's kind, for a log line (its text could quote data).
fn kind_of(e: &store::StoreError) -> &'static str {
    match e {
        store::StoreError::Database(_) => "database",
        store::StoreError::Corrupt(_) => "corrupt job",
        _ => "store",
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn retries_wait_thirty_seconds_then_twice_as_long_each_time_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(|a| backoff(a).whole_seconds()).collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(1000).whole_seconds(), 3600);
    }
}
