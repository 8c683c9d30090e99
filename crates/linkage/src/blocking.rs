//! Blocking: which pairs are worth comparing at all.
//!
//! A million by a quarter of a million records is 250 billion pairs; almost all are obviously
//! different people. A blocking rule names a key two records must share to be compared. The
//! candidate pairs are the union of the pairs each rule finds, each pair once, so a person who
//! moved (new postcode) is still found by surname and year of birth, and one who married (new
//! surname) by postcode.

use crate::vocab::{NONE, Person, Vocabulary};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// One blocking rule: the key two records must share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockingRule {
    /// Same full postcode: everyone at the same few addresses.
    Postcode,
    /// Same surname phonetic code and year of birth: survives moves and spelling slips.
    SurnamePhoneticBirthYear,
    /// Same NHS number (or other identifier).
    NhsNumber,
    /// Same first-name phonetic code and exact date of birth: survives a move *and* a
    /// surname change at once.
    FirstNamePhoneticDob,
    /// Same date of birth (used to train the model; wide for large data sets).
    Dob,
    /// Same first-name and surname phonetic codes: survives a move *and* a wrong or missing
    /// date of birth.
    NamesPhonetic,
}

impl BlockingRule {
    /// The rules used when a configuration does not say: the three the issue names plus the
    /// one that finds people whose postcode changed along with their surname.
    /// [`BlockingRule::NamesPhonetic`] is left out: on a million-row register it adds as many
    /// pairs as postcode blocking for a fraction of a percent of recall.
    pub fn defaults() -> Vec<BlockingRule> {
        vec![
            BlockingRule::Postcode,
            BlockingRule::SurnamePhoneticBirthYear,
            BlockingRule::NhsNumber,
            BlockingRule::FirstNamePhoneticDob,
        ]
    }

    /// The blocking key of a person, or `None` when a field it needs is missing (a missing
    /// value must not put everyone without one in the same block).
    pub fn key(self, v: &Vocabulary, p: &Person) -> Option<u64> {
        match self {
            BlockingRule::Postcode => (p.postcode != NONE).then_some(u64::from(p.postcode)),
            BlockingRule::SurnamePhoneticBirthYear => {
                let code = v.name_info(p.surname).phonetic;
                let dob = p.dob?;
                (p.surname != NONE && code != NONE).then(|| (u64::from(code) << 16) | u64::from(dob.year()))
            }
            BlockingRule::NhsNumber => p.nhs,
            BlockingRule::FirstNamePhoneticDob => {
                let code = v.name_info(p.first).phonetic;
                let dob = p.dob?;
                (p.first != NONE && code != NONE).then(|| (u64::from(code) << 32) | u64::from(dob.key()))
            }
            BlockingRule::Dob => p.dob.map(|d| u64::from(d.key())),
            BlockingRule::NamesPhonetic => {
                let (f, s) = (v.name_info(p.first).phonetic, v.name_info(p.surname).phonetic);
                (f != NONE && s != NONE).then(|| (u64::from(f) << 32) | u64::from(s))
            }
        }
    }
}

/// The left side's records grouped by each rule's key, for finding a right record's blocks.
/// Per rule: the left indices sorted by key, and a hash map from key to its run, so a lookup
/// is one probe rather than a binary search across a million entries.
#[derive(Debug)]
pub struct BlockIndex {
    rules: Vec<RuleIndex>,
    max_block: usize,
}

impl BlockIndex {
    /// Indexes `left` under each rule. Blocks larger than `max_block` are skipped when
    /// searching: a key shared by thousands (a hostel's postcode) cannot discriminate and
    /// would dominate the run time; the other rules still find those people.
    pub fn build(v: &Vocabulary, left: &[Person], rules: &[BlockingRule], max_block: usize) -> Self {
        let rules = rules
            .iter()
            .map(|rule| {
                let mut keys: Vec<(u64, u32)> = left
                    .par_iter()
                    .enumerate()
                    .filter_map(|(i, p)| rule.key(v, p).map(|k| (k, i as u32)))
                    .collect();
                keys.par_sort_unstable();
                let mut runs: FxHashMap<u64, (u32, u32)> = FxHashMap::default();
                let mut start = 0;
                while start < keys.len() {
                    let key = keys[start].0;
                    let len = keys[start..].partition_point(|(k, _)| *k == key);
                    runs.insert(key, (start as u32, len as u32));
                    start += len;
                }
                (*rule, keys.into_iter().map(|(_, i)| i).collect(), runs)
            })
            .collect();
        Self { rules, max_block }
    }

    /// Left indices sharing at least one block with `right`, each once, ascending.
    pub fn candidates(&self, v: &Vocabulary, right: &Person, out: &mut Vec<u32>) {
        out.clear();
        for (rule, entries, runs) in &self.rules {
            if let Some(key) = rule.key(v, right) {
                let block = block_of(entries, runs, key);
                if block.len() <= self.max_block {
                    out.extend_from_slice(block);
                }
            }
        }
        if self.rules.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }

    /// Number of candidate pairs each rule alone would produce against `right` (for
    /// reporting which rule costs what).
    pub fn pairs_per_rule(&self, v: &Vocabulary, right: &[Person]) -> Vec<(BlockingRule, u64)> {
        self.rules
            .iter()
            .map(|(rule, entries, runs)| {
                let n = right
                    .par_iter()
                    .filter_map(|p| rule.key(v, p))
                    .map(|k| {
                        let len = block_of(entries, runs, k).len();
                        if len <= self.max_block { len as u64 } else { 0 }
                    })
                    .sum();
                (*rule, n)
            })
            .collect()
    }
}

/// One rule's index: the rule, left indices sorted by key, and each key's (start, length).
type RuleIndex = (BlockingRule, Vec<u32>, FxHashMap<u64, (u32, u32)>);

fn block_of<'a>(entries: &'a [u32], runs: &FxHashMap<u64, (u32, u32)>, key: u64) -> &'a [u32] {
    runs.get(&key)
        .map_or(&[][..], |&(start, len)| &entries[start as usize..(start + len) as usize])
}
