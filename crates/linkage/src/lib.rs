//! # earlyhelp-linkage — who in this extract do we already know?
//!
//! A pure record-linkage engine: no database, no async, no I/O beyond the CSV batch entry
//! point. It links the people of an agency's extract to the people of the council's register
//! the way a careful clerk would, but a million rows at a time, and it explains every score.
//!
//! Where to start reading:
//!
//! - [`record`]: a person as a file describes them, and the parsed values (dates, postcodes).
//! - [`compare`]: the comparison levels of each field (exact, nickname, Jaro–Winkler bands,
//!   phonetic code; date slips; postcode sector and district; address words; identifiers).
//! - [`model`]: Fellegi–Sunter weights, term-frequency adjustment, the household rule,
//!   thresholds and the per-field explanation a waterfall chart draws.
//! - [`train`]: u from random pairs, m by expectation maximisation, the prior.
//! - [`blocking`] and [`link`]: candidate pairs and the parallel scoring of a whole linkage.
//! - [`batch`]: the CSV files in and out behind `earlyhelp link`.
//! - [`synth`]: a seeded synthetic register and extract with ground truth, for tests and the
//!   benchmark in `bench/linkage`.
//!
//! What it may touch: nothing outside itself. The rest of earlyhelp (imports, the review
//! queue, the audit trail) calls in; this crate never calls out.

pub mod batch;
pub mod blocking;
pub mod compare;
pub mod link;
pub mod model;
pub mod nickname;
pub mod record;
pub mod synth;
pub mod train;
pub mod vocab;

pub use batch::{BatchConfig, LinkArgs, link_files, run};
pub use blocking::BlockingRule;
pub use link::{Linkage, ScoredPair, Settings};
pub use model::{Decision, Explanation, Model, Score, Thresholds};
pub use record::{BirthDate, Record};
