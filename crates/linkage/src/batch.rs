//! The CSV batch run behind `earlyhelp link`: two files in, one file of links out, no
//! database.
//!
//! Input columns by default are `record_id,first_name,surname,dob,sex,address_line,postcode,
//! nhs_number` (dob as `YYYY-MM-DD`, empty for missing); other column names come from the
//! `[linkage.columns]` table of the configuration file. Columns other than these are ignored,
//! so a file can carry its own extras. Output is `left_id,right_id,match_probability,
//! match_weight`, one row per left record that has a right record above the upper threshold.
//!
//! The configuration lives under a `[linkage]` table so the same TOML file can also configure
//! the rest of earlyhelp (whose settings sit at the top level).

use crate::link::{Linkage, ScoredPair, Settings};
use crate::record::BirthDate;
use crate::vocab::{Fields, Person, Vocabulary};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Names of the input columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Columns {
    /// The record's id (required in the file).
    pub record_id: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub surname: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub dob: String,
    /// Sex.
    pub sex: String,
    /// Address line.
    pub address_line: String,
    /// Postcode.
    pub postcode: String,
    /// NHS number or other identifier.
    pub nhs_number: String,
}

impl Default for Columns {
    fn default() -> Self {
        Self {
            record_id: "record_id".into(),
            first_name: "first_name".into(),
            surname: "surname".into(),
            dob: "dob".into(),
            sex: "sex".into(),
            address_line: "address_line".into(),
            postcode: "postcode".into(),
            nhs_number: "nhs_number".into(),
        }
    }
}

/// The `[linkage]` table of a configuration file: the engine's [`Settings`] plus the input
/// column names. Unknown keys are refused, so a misspelt threshold is an error, not a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatchConfig {
    /// Input column names.
    pub columns: Columns,
    /// See [`Settings::blocking`].
    pub blocking: Vec<crate::BlockingRule>,
    /// See [`Settings::max_block_size`].
    pub max_block_size: usize,
    /// See [`Settings::thresholds`].
    pub thresholds: crate::Thresholds,
    /// See [`Settings::training`].
    pub training: crate::train::Training,
    /// See [`Settings::household_rules`].
    pub household_rules: bool,
}

impl Default for BatchConfig {
    fn default() -> Self {
        Self::with_settings(Settings::default())
    }
}

impl BatchConfig {
    /// Default columns with these engine settings.
    pub fn with_settings(s: Settings) -> Self {
        Self {
            columns: Columns::default(),
            blocking: s.blocking,
            max_block_size: s.max_block_size,
            thresholds: s.thresholds,
            training: s.training,
            household_rules: s.household_rules,
        }
    }

    /// The engine settings part.
    pub fn settings(&self) -> Settings {
        Settings {
            blocking: self.blocking.clone(),
            max_block_size: self.max_block_size,
            thresholds: self.thresholds,
            training: self.training,
            household_rules: self.household_rules,
        }
    }
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    linkage: BatchConfig,
}

impl BatchConfig {
    /// Reads the `[linkage]` table of a TOML file; other tables are left to their owners.
    pub fn from_toml(text: &str) -> Result<Self, BatchError> {
        Ok(toml::from_str::<File>(text)?.linkage)
    }

    /// Reads a file, or the defaults when there is none.
    pub fn load(path: Option<&Path>) -> Result<Self, BatchError> {
        match path {
            None => Ok(Self::default()),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| BatchError::Io(p.to_owned(), e))?;
                Self::from_toml(&text)
            }
        }
    }
}

/// What can go wrong in a batch run; each names the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A file could not be read or written.
    #[error("could not read or write {0}")]
    Io(PathBuf, #[source] std::io::Error),
    /// A CSV file is malformed.
    #[error("{0} is not readable CSV")]
    Csv(PathBuf, #[source] csv::Error),
    /// The id column is not in the header.
    #[error("{file}: no column named {column:?} (set [linkage.columns] in the configuration)")]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The expected column.
        column: String,
    },
    /// The configuration is not valid TOML or has unknown keys.
    #[error("linkage configuration: {0}")]
    Config(#[from] toml::de::Error),
}

/// One side read from CSV: ids in file order and the interned people.
#[derive(Debug, Default)]
pub struct Side {
    /// Record ids, as in the file.
    pub ids: Vec<String>,
    /// Interned people, same order.
    pub people: Vec<Person>,
    /// Rows whose date of birth was present but not a valid `YYYY-MM-DD` date (kept, with
    /// the date treated as missing).
    pub invalid_dates: usize,
}

/// Reads one CSV file into `vocab`, streaming row by row.
pub fn read_side(path: &Path, columns: &Columns, vocab: &mut Vocabulary) -> Result<Side, BatchError> {
    let file = std::fs::File::open(path).map_err(|e| BatchError::Io(path.to_owned(), e))?;
    read_side_from(std::io::BufReader::with_capacity(1 << 20, file), path, columns, vocab)
}

/// Reads CSV from any reader (tests use in-memory text).
pub fn read_side_from(reader: impl std::io::Read, name: &Path, columns: &Columns, vocab: &mut Vocabulary) -> Result<Side, BatchError> {
    let csv_err = |e| BatchError::Csv(name.to_owned(), e);
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let header = rdr.headers().map_err(csv_err)?.clone();
    let find = |c: &str| header.iter().position(|h| h.trim() == c);
    let id_col = find(&columns.record_id).ok_or_else(|| BatchError::MissingColumn {
        file: name.to_owned(),
        column: columns.record_id.clone(),
    })?;
    let cols = [
        find(&columns.first_name),
        find(&columns.surname),
        find(&columns.dob),
        find(&columns.sex),
        find(&columns.address_line),
        find(&columns.postcode),
        find(&columns.nhs_number),
    ];
    let mut side = Side::default();
    let mut row = csv::StringRecord::new();
    while rdr.read_record(&mut row).map_err(csv_err)? {
        let get = |i: Option<usize>| i.and_then(|i| row.get(i)).unwrap_or("");
        let dob_text = get(cols[2]).trim();
        let dob = if dob_text.is_empty() {
            None
        } else {
            let d = BirthDate::parse(dob_text).ok();
            side.invalid_dates += usize::from(d.is_none());
            d
        };
        let person = vocab.person(Fields {
            first_name: get(cols[0]),
            surname: get(cols[1]),
            dob,
            sex: get(cols[3]),
            address_line: get(cols[4]),
            postcode: get(cols[5]),
            nhs_number: get(cols[6]),
        });
        side.ids.push(get(Some(id_col)).to_owned());
        side.people.push(person);
    }
    Ok(side)
}

/// Writes `left_id,right_id,match_probability,match_weight`.
pub fn write_links(
    writer: impl std::io::Write,
    name: &Path,
    left: &[String],
    right: &[String],
    links: &[ScoredPair],
) -> Result<(), BatchError> {
    let csv_err = |e| BatchError::Csv(name.to_owned(), e);
    let mut w = csv::Writer::from_writer(writer);
    w.write_record(["left_id", "right_id", "match_probability", "match_weight"])
        .map_err(csv_err)?;
    for p in links {
        w.write_record([
            left[p.left as usize].as_str(),
            right[p.right as usize].as_str(),
            &format!("{:.6}", p.score.probability),
            &format!("{:.3}", p.score.weight),
        ])
        .map_err(csv_err)?;
    }
    w.flush().map_err(|e| BatchError::Io(name.to_owned(), e))
}

/// What a batch run did, for the command line to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Left rows read.
    pub left_rows: usize,
    /// Right rows read.
    pub right_rows: usize,
    /// Rows with an unreadable date of birth (date treated as missing).
    pub invalid_dates: usize,
    /// Links written.
    pub links: usize,
    /// Candidate pairs the blocking rules produced (each compared once).
    pub candidate_pairs: u64,
    /// Training's estimate of the true matches.
    pub estimated_matches: f64,
    /// Seconds reading, training, scoring and writing.
    pub timings: [(&'static str, f64); 4],
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} left × {} right rows; {} candidate pairs; {} links written (training estimated {:.0} matches)",
            self.left_rows, self.right_rows, self.candidate_pairs, self.links, self.estimated_matches
        )?;
        if self.invalid_dates > 0 {
            write!(f, "; {} unreadable dates of birth treated as missing", self.invalid_dates)?;
        }
        let times: Vec<String> = self.timings.iter().map(|(n, s)| format!("{n} {s:.2}s")).collect();
        write!(f, "\n{}", times.join(", "))
    }
}

/// Runs a whole batch: read both files, train, link, write the best link per left record.
pub fn link_files(left: &Path, right: &Path, out: &Path, config: &BatchConfig) -> Result<Summary, BatchError> {
    let t0 = Instant::now();
    let mut vocab = Vocabulary::new();
    let l = read_side(left, &config.columns, &mut vocab)?;
    let r = read_side(right, &config.columns, &mut vocab)?;
    let t1 = Instant::now();
    let linkage = Linkage::from_people(vocab, l.people, r.people, config.settings());
    let t2 = Instant::now();
    let (links, candidate_pairs) = linkage.best_links_counted();
    let t3 = Instant::now();
    let file = std::fs::File::create(out).map_err(|e| BatchError::Io(out.to_owned(), e))?;
    write_links(std::io::BufWriter::new(file), out, &l.ids, &r.ids, &links)?;
    let t4 = Instant::now();
    Ok(Summary {
        left_rows: l.ids.len(),
        right_rows: r.ids.len(),
        invalid_dates: l.invalid_dates + r.invalid_dates,
        links: links.len(),
        candidate_pairs,
        estimated_matches: linkage.training().estimated_matches,
        timings: [
            ("read", (t1 - t0).as_secs_f64()),
            ("train", (t2 - t1).as_secs_f64()),
            ("score", (t3 - t2).as_secs_f64()),
            ("write", (t4 - t3).as_secs_f64()),
        ],
    })
}

/// `earlyhelp link`'s arguments. The configuration file is the binary's global `--config`
/// (its `[linkage]` table), so it is passed to [`run`] separately.
#[derive(Debug, Clone, clap::Args)]
pub struct LinkArgs {
    /// The data set people are looked up in (e.g. the council's register).
    #[arg(long)]
    pub left: PathBuf,
    /// The data set whose people are looked for (e.g. an agency's extract).
    #[arg(long)]
    pub right: PathBuf,
    /// Where to write `left_id,right_id,match_probability,match_weight`.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `earlyhelp link` and prints its summary to standard error.
pub fn run(args: &LinkArgs, config: Option<&Path>) -> Result<Summary, BatchError> {
    let config = BatchConfig::load(config)?;
    let summary = link_files(&args.left, &args.right, &args.out, &config)?;
    eprintln!("{summary}");
    Ok(summary)
}
