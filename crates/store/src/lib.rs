//! # earlyhelp-store — persistence on SQLite and PostgreSQL
//!
//! One [`Store`] with operations named in the users' words (`create_session`,
//! `approve_isa_application`, `load_county`), each implemented once with SQL that both engines
//! accept (`$1` parameters, `ON CONFLICT`, `RETURNING`) and expanded per engine by the
//! [`read!`] and [`write!`] macros in [`engine`]. Each engine keeps its own migrations under
//! `migrations/sqlite` and `migrations/postgres`; a test holds them to the same tables and columns.
//!
//! Every write of personal data runs in one transaction that also appends to the audit chain
//! ([`audit`]), so a change and its record of who made it commit together or not at all.
//!
//! Work a change causes later (e-mails now; circulation, reminders and purges to come) is
//! written to the outbox ([`outbox`]) in that same transaction. Links e-mailed to account
//! holders live in [`links`]; secrets the store must read back are sealed by [`secrets`].
//!
//! Start reading at [`engine`] (how a store is opened), then [`accounts`] (staff and sessions).

#[macro_use]
pub mod engine;
#[macro_use]
pub mod audit;
#[macro_use]
pub mod outbox;
#[macro_use]
pub mod links;
pub mod accounts;
pub mod agreed_actions;
pub mod calendar;
pub mod consent;
pub mod county;
pub mod error;
#[macro_use]
pub mod families;
pub mod moves;
pub mod organisations;
pub mod people;
#[macro_use]
pub mod referrals;
// Before the modules that use its macros.
#[macro_use]
pub mod meetings;
// Before `county_meetings` and `meeting_records`, whose decisions open plans (`insert_plan!`,
// `open_plan!`).
#[macro_use]
pub mod plans;
// After `meetings`: the meeting history it loads is chaired by `assign_chairs_by_turn!`.
pub mod county_meetings;

pub mod dashboards;

pub mod live;
pub mod meeting_records;
pub mod notes;
pub mod panels;
pub mod plan_actions;
pub mod secrets;
// After `referrals`, whose `place_on_agenda!` and `insert_history!` it uses.
pub mod stuck;
pub mod timeline;

pub use engine::{EngineKind, Store};
pub use error::StoreError;
