//! One test binary for every acceptance test, so the workspace links it once.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod audit;
mod calendar;
mod families;
mod http_accounts;
mod http_admin;
mod http_api;
mod http_calendar;
mod http_dashboards;
mod http_families;
mod http_family_records;
mod http_governance;
mod http_invitations;
mod http_live;
mod http_meetings;
mod http_panels;
mod http_password_reset;
mod http_people_and_moves;
mod http_plans;
mod http_referrals;
mod outbox;
mod secrets;
mod security_routes;
mod store;
