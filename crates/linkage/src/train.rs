//! Training without labels: u from random pairs, m by expectation maximisation.
//!
//! Nobody gives us a list of true matches, so the model learns from the data itself:
//!
//! - **u** (how often a level occurs by chance) is counted over pairs drawn at random, which
//!   are almost all non-matches.
//! - **m** (how often a level occurs among true matches) comes from EM over blocked pairs,
//!   with u held fixed. Within a block the fields that define the block agree by
//!   construction, so each training session estimates only the other fields, as Splink
//!   does: one session blocked on postcode learns names and date of birth, another blocked on
//!   date of birth learns names, postcode and address. Surname and address are left out of
//!   the postcode session because inside a household they agree for people who are not the
//!   same person, which would teach EM to find households rather than people.
//! - The **prior** comes from the date-of-birth session: EM's share of matches in that block
//!   times its size is the number of matches with the same date of birth; dividing by the
//!   share of matches whose dates agree (m) gives all matches.

use crate::blocking::{BlockIndex, BlockingRule};
use crate::compare::{Comparison, FIELD_COUNT, FIELDS, Field, MISSING, compare};
use crate::model::{Model, PROBABILITY_FLOOR};
use crate::vocab::{Person, Vocabulary};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// How much data training looks at. The defaults train in about three seconds on a
/// million-row register on two busy cores, and are plenty for stable estimates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Training {
    /// Random pairs drawn to estimate u.
    pub u_pairs: usize,
    /// Right-hand records sampled per EM session.
    pub em_sample: usize,
    /// EM stops after this many iterations…
    pub max_iterations: usize,
    /// …or when no m moves by more than this.
    pub tolerance: f64,
    /// Seed for the random draws: the same data and seed give the same model.
    pub seed: u64,
    /// Weight exact name agreement by the name's frequency.
    pub term_frequency: bool,
}

impl Default for Training {
    fn default() -> Self {
        Self {
            u_pairs: 1_000_000,
            em_sample: 20_000,
            max_iterations: 200,
            tolerance: 1e-6,
            seed: 7,
            term_frequency: true,
        }
    }
}

/// Distinct comparison vectors with how often each occurred: EM only needs the counts, and
/// there are a few hundred distinct vectors among millions of pairs.
pub type Patterns = Vec<(Comparison, u64)>;

/// Counts comparison vectors.
pub fn count_patterns(comparisons: impl IntoIterator<Item = Comparison>) -> Patterns {
    let mut map: FxHashMap<Comparison, u64> = FxHashMap::default();
    for c in comparisons {
        *map.entry(c).or_default() += 1;
    }
    let mut v: Patterns = map.into_iter().collect();
    v.sort();
    v
}

/// u per field and level, and per field the share of pairs where both values are present.
#[derive(Debug, Clone, PartialEq)]
pub struct UEstimate {
    /// u probabilities, per field, per level (among pairs where both values are present).
    pub u: Vec<Vec<f64>>,
    /// Share of pairs with both values present, per field.
    pub present: Vec<f64>,
}

/// Distribution of levels per field over `patterns`, ignoring missing values.
pub fn level_distribution(patterns: &Patterns) -> UEstimate {
    let mut counts: Vec<Vec<f64>> = FIELDS.iter().map(|f| vec![0.0; f.levels().len()]).collect();
    let mut total = 0.0;
    for (c, n) in patterns {
        total += *n as f64;
        for f in FIELDS {
            let l = c.0[f.index()];
            if l != MISSING {
                counts[f.index()][usize::from(l)] += *n as f64;
            }
        }
    }
    let present = counts.iter().map(|c| c.iter().sum::<f64>() / total.max(1.0)).collect();
    let u = counts
        .into_iter()
        .map(|c| {
            let s: f64 = c.iter().sum();
            let n = c.len() as f64;
            c.into_iter()
                .map(|x| if s > 0.0 { (x / s).max(PROBABILITY_FLOOR) } else { 1.0 / n })
                .collect()
        })
        .collect();
    UEstimate { u, present }
}

/// Estimates u from `pairs` random (left, right) pairs.
pub fn estimate_u(v: &Vocabulary, left: &[Person], right: &[Person], pairs: usize, seed: u64) -> UEstimate {
    if left.is_empty() || right.is_empty() {
        return level_distribution(&Vec::new());
    }
    let chunks = 64usize;
    let per = pairs.div_ceil(chunks);
    let patterns: Vec<Patterns> = (0..chunks)
        .into_par_iter()
        .map(|chunk| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (chunk as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            count_patterns((0..per).map(|_| {
                let a = &left[rng.random_range(0..left.len())];
                let b = &right[rng.random_range(0..right.len())];
                compare(v, a, b)
            }))
        })
        .collect();
    level_distribution(&merge(patterns))
}

fn merge(parts: Vec<Patterns>) -> Patterns {
    let mut map: FxHashMap<Comparison, u64> = FxHashMap::default();
    for part in parts {
        for (c, n) in part {
            *map.entry(c).or_default() += n;
        }
    }
    let mut v: Patterns = map.into_iter().collect();
    v.sort();
    v
}

/// What one EM run found.
#[derive(Debug, Clone, PartialEq)]
pub struct EmResult {
    /// m per field and level; fields not estimated keep their starting values.
    pub m: Vec<Vec<f64>>,
    /// Share of the pairs that are matches.
    pub lambda: f64,
    /// Iterations run.
    pub iterations: usize,
    /// Pairs the patterns stood for.
    pub pairs: u64,
}

/// A neutral starting point: strongest level likely, disagreement unlikely.
pub fn initial_m() -> Vec<Vec<f64>> {
    FIELDS
        .iter()
        .map(|f| {
            let n = f.levels().len();
            if n == 2 {
                return vec![0.95, 0.05];
            }
            let mut m = vec![0.25 / (n - 2) as f64; n];
            m[0] = 0.7;
            m[n - 1] = 0.05;
            m
        })
        .collect()
}

/// Expectation maximisation of m and λ with u held fixed, over the fields marked in
/// `estimate`. Fields not marked play no part (they define the block).
pub fn expectation_maximisation(
    patterns: &Patterns,
    u: &[Vec<f64>],
    estimate: [bool; FIELD_COUNT],
    max_iterations: usize,
    tolerance: f64,
) -> EmResult {
    let mut m = initial_m();
    let mut lambda = 0.1;
    let pairs: u64 = patterns.iter().map(|(_, n)| n).sum();
    let mut iterations = 0;
    for _ in 0..max_iterations {
        iterations += 1;
        let mut m_acc: Vec<Vec<f64>> = m.iter().map(|x| vec![0.0; x.len()]).collect();
        let mut matches = 0.0;
        let mut total = 0.0;
        for (c, n) in patterns {
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for f in FIELDS {
                let i = f.index();
                let l = c.0[i];
                if estimate[i] && l != MISSING {
                    pm *= m[i][usize::from(l)];
                    pu *= u[i][usize::from(l)];
                }
            }
            let w = pm / (pm + pu);
            let n = *n as f64;
            matches += w * n;
            total += n;
            for f in FIELDS {
                let i = f.index();
                let l = c.0[i];
                if estimate[i] && l != MISSING {
                    m_acc[i][usize::from(l)] += w * n;
                }
            }
        }
        let mut moved: f64 = 0.0;
        for f in FIELDS {
            let i = f.index();
            if !estimate[i] {
                continue;
            }
            let s: f64 = m_acc[i].iter().sum();
            if s <= 0.0 {
                continue;
            }
            for (old, acc) in m[i].iter_mut().zip(&m_acc[i]) {
                let new = (acc / s).max(PROBABILITY_FLOOR);
                moved = moved.max((new - *old).abs());
                *old = new;
            }
        }
        lambda = (matches / total.max(1.0)).clamp(1e-9, 1.0 - 1e-9);
        if moved < tolerance {
            break;
        }
    }
    EmResult {
        m,
        lambda,
        iterations,
        pairs,
    }
}

/// Comparison vectors of the pairs one rule blocks, for a random sample of the right side.
/// Returns the patterns and the factor from the sample to the whole right side.
fn session_patterns(
    v: &Vocabulary,
    left: &[Person],
    right: &[Person],
    rule: BlockingRule,
    training: &Training,
    max_block: usize,
) -> (Patterns, f64) {
    let index = BlockIndex::build(v, left, &[rule], max_block);
    let mut rng = ChaCha8Rng::seed_from_u64(training.seed ^ rule as u64);
    let sample: Vec<usize> = if right.len() <= training.em_sample {
        (0..right.len()).collect()
    } else {
        (0..training.em_sample).map(|_| rng.random_range(0..right.len())).collect()
    };
    let scale = right.len() as f64 / sample.len().max(1) as f64;
    let parts: Vec<Patterns> = sample
        .par_chunks(1024)
        .map(|chunk| {
            let mut cands = Vec::new();
            let mut out = Vec::new();
            for &r in chunk {
                index.candidates(v, &right[r], &mut cands);
                out.extend(cands.iter().map(|&l| compare(v, &left[l as usize], &right[r])));
            }
            count_patterns(out)
        })
        .collect();
    (merge(parts), scale)
}

/// What training produced, with the figures behind it (for reports and tests).
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    /// The model.
    pub model: Model,
    /// u from random pairs.
    pub u: UEstimate,
    /// The postcode-blocked EM session.
    pub postcode_session: EmResult,
    /// The date-of-birth-blocked EM session.
    pub dob_session: EmResult,
    /// Estimated number of true matches between the two sides.
    pub estimated_matches: f64,
}

/// Trains a model on two interned data sets.
pub fn train(v: &Vocabulary, left: &[Person], right: &[Person], training: &Training, max_block: usize) -> Trained {
    let u = estimate_u(v, left, right, training.u_pairs, training.seed);
    let mut estimate_a = [false; FIELD_COUNT];
    for f in [Field::FirstName, Field::Dob, Field::Sex, Field::Identifier] {
        estimate_a[f.index()] = true;
    }
    let mut estimate_b = [true; FIELD_COUNT];
    estimate_b[Field::Dob.index()] = false;
    let (pa, _) = session_patterns(v, left, right, BlockingRule::Postcode, training, max_block);
    let a = expectation_maximisation(&pa, &u.u, estimate_a, training.max_iterations, training.tolerance);
    let (pb, scale_b) = session_patterns(v, left, right, BlockingRule::Dob, training, max_block);
    let b = expectation_maximisation(&pb, &u.u, estimate_b, training.max_iterations, training.tolerance);

    let init = initial_m();
    let m: Vec<Vec<f64>> = FIELDS
        .iter()
        .map(|f| {
            let i = f.index();
            let from: Vec<&Vec<f64>> = [(estimate_a[i] && a.pairs > 0, &a.m[i]), (estimate_b[i] && b.pairs > 0, &b.m[i])]
                .into_iter()
                .filter_map(|(ok, m)| ok.then_some(m))
                .collect();
            if from.is_empty() {
                return init[i].clone();
            }
            (0..init[i].len())
                .map(|l| from.iter().map(|m| m[l]).sum::<f64>() / from.len() as f64)
                .collect()
        })
        .collect();

    let all_pairs = left.len() as f64 * right.len() as f64;
    let dob_i = Field::Dob.index();
    let same_dob_share = m[dob_i][0] * u.present[dob_i];
    let estimated_matches = if b.pairs > 0 && same_dob_share > 0.0 {
        b.lambda * b.pairs as f64 * scale_b / same_dob_share
    } else {
        0.5 * left.len().min(right.len()) as f64
    }
    .clamp(1.0, left.len().min(right.len()).max(1) as f64);
    let prior = (estimated_matches / all_pairs.max(1.0)).clamp(1e-15, 0.5);
    Trained {
        model: Model {
            prior,
            m,
            u: u.u.clone(),
            term_frequency: training.term_frequency,
        },
        u,
        postcode_session: a,
        dob_session: b,
        estimated_matches,
    }
}
