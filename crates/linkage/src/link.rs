//! The whole linkage of two data sets: intern, index, train, score, choose.

use crate::blocking::{BlockIndex, BlockingRule};
use crate::model::{Explanation, Model, Score, Scorer, Thresholds, weight_of};
use crate::record::Record;
use crate::train::{Trained, Training, train};
use crate::vocab::{Person, Vocabulary};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How to link: blocking, thresholds and training. Read from the `[linkage]` table of a TOML
/// file (see [`crate::batch`]); every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Candidate pairs are those sharing a key under any of these rules.
    pub blocking: Vec<BlockingRule>,
    /// Blocks with more left-hand records than this are skipped (see [`BlockIndex::build`]).
    pub max_block_size: usize,
    /// Link / review / no-link probabilities.
    pub thresholds: Thresholds,
    /// How the model is trained.
    pub training: Training,
    /// Apply the household rule (see [`crate::model::household_rule`]). Leave on for people
    /// data: it is what keeps siblings, twins and parents apart. Off only for benchmark sets
    /// without households (FEBRL), whose corrupted first names look exactly like twins.
    pub household_rules: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            blocking: BlockingRule::defaults(),
            max_block_size: 5_000,
            thresholds: Thresholds::default(),
            training: Training::default(),
            household_rules: true,
        }
    }
}

/// One scored pair, by position in the left and right data sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    /// Index into the left data set.
    pub left: u32,
    /// Index into the right data set.
    pub right: u32,
    /// Its weight and probability.
    pub score: Score,
}

/// Two data sets interned together, indexed and with a trained model: ready to score.
#[derive(Debug)]
pub struct Linkage {
    vocab: Vocabulary,
    left: Vec<Person>,
    right: Vec<Person>,
    settings: Settings,
    trained: Trained,
}

impl Linkage {
    /// Interns both sides, then trains; the usual entry point for in-memory records.
    pub fn from_records(left: &[Record], right: &[Record], settings: Settings) -> Self {
        let mut vocab = Vocabulary::new();
        let l: Vec<Person> = left.iter().map(|r| vocab.record(r)).collect();
        let r: Vec<Person> = right.iter().map(|r| vocab.record(r)).collect();
        Self::from_people(vocab, l, r, settings)
    }

    /// Trains on people already interned into `vocab` (the CSV reader's route).
    pub fn from_people(vocab: Vocabulary, left: Vec<Person>, right: Vec<Person>, settings: Settings) -> Self {
        let trained = train(&vocab, &left, &right, &settings.training, settings.max_block_size);
        Self {
            vocab,
            left,
            right,
            settings,
            trained,
        }
    }

    /// Replaces the trained model (one trained earlier, or set by hand in a test).
    pub fn with_model(mut self, model: Model) -> Self {
        self.trained.model = model;
        self
    }

    /// The trained model.
    pub fn model(&self) -> &Model {
        &self.trained.model
    }

    /// Training figures: EM sessions, u, estimated number of matches.
    pub fn training(&self) -> &Trained {
        &self.trained
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A scorer over this linkage's vocabulary.
    pub fn scorer(&self) -> Scorer<'_> {
        Scorer::new(&self.trained.model, &self.vocab, self.settings.thresholds).with_household_rules(self.settings.household_rules)
    }

    /// Score of left record `l` against right record `r`.
    pub fn score(&self, l: usize, r: usize) -> Score {
        self.scorer().score(&self.left[l], &self.right[r])
    }

    /// Explanation of left record `l` against right record `r`.
    pub fn explain(&self, l: usize, r: usize) -> Explanation {
        self.scorer().explain(&self.left[l], &self.right[r])
    }

    /// Every blocked pair whose probability is at least `min_probability`.
    pub fn pairs(&self, min_probability: f64) -> Vec<ScoredPair> {
        self.pairs_counted(min_probability).0
    }

    /// [`Linkage::pairs`] and the number of candidate pairs compared to find them.
    ///
    /// Scoring is bound by memory, not arithmetic: each candidate is a left record fetched
    /// from somewhere in a large array. So both sides are visited in postcode order: the
    /// left records are copied into that order (a postcode block is then contiguous) and the
    /// right records are scored in that order (consecutive right records share blocks).
    pub fn pairs_counted(&self, min_probability: f64) -> (Vec<ScoredPair>, u64) {
        let by_place = |people: &[Person]| {
            let mut order: Vec<u32> = (0..people.len() as u32).collect();
            order.par_sort_by_key(|&i| {
                let p = &people[i as usize];
                (p.postcode, p.surname, i)
            });
            order
        };
        let left_order = by_place(&self.left);
        let left: Vec<Person> = left_order.par_iter().map(|&i| self.left[i as usize]).collect();
        let right_order = by_place(&self.right);
        let index = BlockIndex::build(&self.vocab, &left, &self.settings.blocking, self.settings.max_block_size);
        let scorer = self.scorer();
        let min_weight = weight_of(min_probability);
        right_order
            .par_iter()
            .with_min_len(256)
            .fold(
                || (Vec::new(), Vec::new(), 0u64),
                |(mut out, mut cands, compared), &r| {
                    let person = &self.right[r as usize];
                    index.candidates(&self.vocab, person, &mut cands);
                    let compared = compared + cands.len() as u64;
                    for &l in &cands {
                        if let Some(score) = scorer.score_at_least(&left[l as usize], person, min_weight) {
                            out.push(ScoredPair {
                                left: left_order[l as usize],
                                right: r,
                                score,
                            });
                        }
                    }
                    (out, cands, compared)
                },
            )
            .map(|(out, _, compared)| (out, compared))
            .reduce(
                || (Vec::new(), 0),
                |(mut a, n), (mut b, m)| {
                    a.append(&mut b);
                    (a, n + m)
                },
            )
    }

    /// For each left record, the best right record at or above the upper threshold: the
    /// links to make. Ties go to the earlier right record, so output is deterministic.
    pub fn best_links(&self) -> Vec<ScoredPair> {
        self.best_links_counted().0
    }

    /// [`Linkage::best_links`] and the number of candidate pairs compared.
    pub fn best_links_counted(&self) -> (Vec<ScoredPair>, u64) {
        let (pairs, compared) = self.pairs_counted(self.settings.thresholds.upper);
        (best_per_left(pairs), compared)
    }

    /// Number of candidate pairs each blocking rule produces on its own.
    pub fn pairs_per_rule(&self) -> Vec<(BlockingRule, u64)> {
        BlockIndex::build(&self.vocab, &self.left, &self.settings.blocking, self.settings.max_block_size)
            .pairs_per_rule(&self.vocab, &self.right)
    }
}

/// Keeps the highest-weight pair of each left record.
pub fn best_per_left(mut pairs: Vec<ScoredPair>) -> Vec<ScoredPair> {
    pairs.par_sort_unstable_by(|a, b| {
        a.left
            .cmp(&b.left)
            .then(b.score.weight.total_cmp(&a.score.weight))
            .then(a.right.cmp(&b.right))
    });
    pairs.dedup_by_key(|p| p.left);
    pairs
}
