//! # earlyhelp-domain — the rules of early help, with no I/O
//!
//! This crate is the vocabulary of the product: organisations and the Information Sharing
//! Agreement (ISA) register, staff roles, localities and postcodes, panels, families and people.
//! Every type here is *parsed*, not validated: holding a [`postcode::Postcode`] or an
//! [`email::EmailAddress`] means the rule has already been checked at the boundary.
//!
//! It may not touch a database, the network, the clock or the file system: "today" is always
//! passed in. Start reading at [`organisation`] (who takes part) and [`role`] (what people do).
//!
//! People are recognised across agencies by [`identifiers`] (NHS number, UPN, National Insurance
//! number) and, when those are missing, by [`matching`], which suggests existing records before
//! a duplicate is made. Every deadline is counted in [`working_days`].
//!
//! What a family agreed to is [`consent`]: records are reduced to one
//! [`consent::ConsentStanding`] for "today", which every later step asks. How a family reaches
//! a panel is [`referral`]: a state machine whose refusals have names ("no consent, no panel";
//! urgent concerns go to MASH). Everything that happened to a family reads as one
//! [`timeline`], newest first.

pub mod clock;
pub mod consent;
pub mod dashboard;
pub mod decision;
pub mod email;
pub mod family;
pub mod identifiers;
pub mod ids;
pub mod locality;
pub mod matching;
pub mod meeting;
pub mod organisation;
pub mod panel;
pub mod panel_config;
pub mod password;
pub mod plan;
pub mod plan_closure;
pub mod postcode;
pub mod referral;
pub mod role;
pub mod timeline;
pub mod working_days;

pub use ids::*;
