//! # earlyhelp-worker — background work from the outbox, and outbound e-mail
//!
//! Changes that need work done later write a job into the outbox in their own transaction
//! (`store::outbox`). This crate runs those jobs: [`Worker`] claims due jobs (safely with any
//! number of app servers on one database), runs each, and retries failures with exponential
//! backoff until it gives up and leaves the job failed with a fixed-text error. `serve` and
//! `demo` run one worker each and stop it cleanly on SIGTERM; tests call
//! [`Worker::run_due`] to run what is due at the moment their clock says.
//!
//! E-mail is the first kind of work: [`mail`] sends through SMTP (TLS only), writes `.eml`
//! files, or keeps messages in memory for tests; [`emails`] holds the texts. It may touch the
//! store and the network; it knows nothing of the web pages.
//!
//! Start reading at [`Worker`], then [`mail::Mailer`].

pub mod emails;
pub mod mail;
mod run;

pub use mail::{Mailer, PublicUrl};
pub use run::{Settings, Worker, backoff};
