//! The Fellegi–Sunter model: from a comparison vector to a match weight, a probability, a
//! decision and an explanation.
//!
//! A match weight is log₂ of the odds that two records are the same person. It starts at the
//! prior (how rare a match is among all possible pairs) and each field adds log₂(m/u): how
//! much more often its level occurs among true matches (m) than among random pairs (u).
//! Because it is a sum, every term can be shown as one bar of a waterfall chart.
//!
//! On top of the sum sits the household rule, because the model's independence assumption
//! fails inside a household: surname, postcode and address all agree for a sibling, a twin
//! or a parent, and the sum would call them the same person.

use crate::compare::{Comparison, FIELD_COUNT, FIELDS, Field, MISSING, compare, compare_cheap};
use crate::vocab::{Person, Vocabulary};
use serde::{Deserialize, Serialize};

/// Probabilities below this are treated as this, so that a level never seen in training
/// gives a large but finite weight rather than infinity.
pub const PROBABILITY_FLOOR: f64 = 1e-6;

/// Trained parameters: the prior and, per field and level, m and u.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Probability that two records drawn at random, one from each side, are the same person.
    pub prior: f64,
    /// m probabilities per field (in [`FIELDS`] order), per level.
    pub m: Vec<Vec<f64>>,
    /// u probabilities per field, per level.
    pub u: Vec<Vec<f64>>,
    /// Whether exact name agreement is weighted by how common the name is.
    pub term_frequency: bool,
}

impl Model {
    /// m/u for every level as log₂ Bayes factors, floored.
    fn level_weights(&self) -> [[f64; 8]; FIELD_COUNT] {
        let mut w = [[0.0; 8]; FIELD_COUNT];
        for f in FIELDS {
            let i = f.index();
            for (l, slot) in w[i].iter_mut().enumerate().take(f.levels().len()) {
                let m = self.m.get(i).and_then(|v| v.get(l)).copied().unwrap_or(0.5);
                let u = self.u.get(i).and_then(|v| v.get(l)).copied().unwrap_or(0.5);
                *slot = (m.max(PROBABILITY_FLOOR) / u.max(PROBABILITY_FLOOR)).log2();
            }
        }
        w
    }
}

/// Probability thresholds: at or above `upper` a link is made; from `lower` up to it the pair
/// goes to clerical review; below `lower` nothing happens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Link at or above this probability.
    pub upper: f64,
    /// Review at or above this probability.
    pub lower: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { upper: 0.9, lower: 0.5 }
    }
}

/// What to do with a scored pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Same person: link.
    Link,
    /// Unsure: a person decides.
    Review,
    /// Different people.
    NoLink,
}

impl Thresholds {
    /// The decision for a probability.
    pub fn decide(&self, probability: f64) -> Decision {
        if probability >= self.upper {
            Decision::Link
        } else if probability >= self.lower {
            Decision::Review
        } else {
            Decision::NoLink
        }
    }
}

/// Why the household rule refused a pair, whatever the sum said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdRule {
    /// Neither first name, date of birth nor identifier agrees: whatever else agrees
    /// (surname, address) is shared by a whole household.
    NoPersonLevelEvidence,
    /// Same address but clearly different first names: a sibling or twin.
    DifferentFirstNameInHousehold,
    /// Same address but a different date of birth: a parent and child who share a name, or
    /// siblings.
    DifferentDobInHousehold,
}

impl HouseholdRule {
    /// Sentence for the review page.
    pub fn reason(self) -> &'static str {
        match self {
            HouseholdRule::NoPersonLevelEvidence => "no person-level agreement (first name, date of birth or NHS number)",
            HouseholdRule::DifferentFirstNameInHousehold => "same household, different first name",
            HouseholdRule::DifferentDobInHousehold => "same household, different date of birth",
        }
    }
}

/// The household rule applied to one comparison vector.
pub fn household_rule(c: &Comparison) -> Option<HouseholdRule> {
    if c.level(Field::Identifier) == Some(0) {
        return None;
    }
    let first = c.level(Field::FirstName);
    let dob = c.level(Field::Dob);
    let first_different = level_is_last(Field::FirstName, first);
    let dob_different = level_is_last(Field::Dob, dob);
    let first_agrees = first.is_some() && !first_different;
    let dob_agrees = dob.is_some() && !dob_different;
    if !first_agrees && !dob_agrees {
        return Some(HouseholdRule::NoPersonLevelEvidence);
    }
    // The household context is the place, not the surname: a mother with her maiden name, or
    // an extract row without a surname, is still someone else at the same address.
    let same_place = c.level(Field::Postcode) == Some(0) || matches!(c.level(Field::Address), Some(0 | 1));
    if same_place {
        // Inside a household a weak first-name likeness (Jaro–Winkler ≥ 0.80 only) is what
        // siblings' names look like; it is not evidence of the same person.
        let weak_first = first == Some(5);
        if first_different || weak_first {
            return Some(HouseholdRule::DifferentFirstNameInHousehold);
        }
        if dob_different {
            return Some(HouseholdRule::DifferentDobInHousehold);
        }
    }
    None
}

/// Whether a field's disagreement is already counted by another field's. A person who moved
/// has a different postcode *and* a different address; charging both treats one event as two
/// independent pieces of evidence (the independence assumption failing again), and the
/// double penalty pushed the records of people who moved into review. So a different
/// address at a different postcode adds nothing beyond the postcode's own weight.
pub fn counted_elsewhere(c: &Comparison, f: Field) -> bool {
    f == Field::Address
        && level_is_last(Field::Postcode, c.level(Field::Postcode))
        && level_is_last(Field::Address, c.level(Field::Address))
}

fn level_is_last(f: Field, level: Option<u8>) -> bool {
    level.is_some_and(|l| usize::from(l) + 1 == f.levels().len())
}

/// One bar of the waterfall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The field compared.
    pub field: Field,
    /// Its human name.
    pub label: &'static str,
    /// The level reached ("exact", "nickname", "missing"…).
    pub level: &'static str,
    /// log₂(m/u) of the level, before term frequency.
    pub weight: f64,
    /// Extra weight because the agreeing name is rarer (positive) or commoner (negative) than
    /// the average name.
    pub term_frequency_adjustment: f64,
}

/// Everything a reviewer needs to see why a pair scored as it did. The prior plus every
/// contribution plus the household adjustment equals `match_weight`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// log₂ prior odds: where the waterfall starts.
    pub prior_weight: f64,
    /// One entry per field, in [`FIELDS`] order.
    pub contributions: Vec<Contribution>,
    /// The household rule that capped the weight, if any.
    pub household_rule: Option<HouseholdRule>,
    /// The (negative) weight the household rule took away; 0 when it did not apply.
    pub household_adjustment: f64,
    /// Final match weight.
    pub match_weight: f64,
    /// Final probability.
    pub match_probability: f64,
    /// The decision under the scorer's thresholds.
    pub decision: Decision,
}

/// Weight and probability of one pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// log₂ odds.
    pub weight: f64,
    /// 2^w / (1 + 2^w).
    pub probability: f64,
}

/// Converts a match weight to a probability.
pub fn probability_of(weight: f64) -> f64 {
    let odds = weight.exp2();
    if odds.is_infinite() { 1.0 } else { odds / (1.0 + odds) }
}

/// Converts a probability to a match weight.
pub fn weight_of(probability: f64) -> f64 {
    let p = probability.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).log2()
}

/// A trained model ready to score pairs from one vocabulary quickly.
#[derive(Debug, Clone)]
pub struct Scorer<'a> {
    vocab: &'a Vocabulary,
    weights: [[f64; 8]; FIELD_COUNT],
    prior_weight: f64,
    log2_m_first_exact: f64,
    log2_m_surname_exact: f64,
    u_first_exact: f64,
    u_surname_exact: f64,
    term_frequency: bool,
    thresholds: Thresholds,
    veto_weight: f64,
    max_name_weight: [f64; 2],
    household_rules: bool,
}

impl<'a> Scorer<'a> {
    /// Precomputes the weights of `model` for pairs interned in `vocab`.
    pub fn new(model: &Model, vocab: &'a Vocabulary, thresholds: Thresholds) -> Self {
        let get = |v: &Vec<Vec<f64>>, f: Field| v.get(f.index()).and_then(|x| x.first()).copied().unwrap_or(0.5);
        Self {
            vocab,
            weights: model.level_weights(),
            prior_weight: weight_of(model.prior),
            log2_m_first_exact: get(&model.m, Field::FirstName).max(PROBABILITY_FLOOR).log2(),
            log2_m_surname_exact: get(&model.m, Field::Surname).max(PROBABILITY_FLOOR).log2(),
            u_first_exact: get(&model.u, Field::FirstName).max(PROBABILITY_FLOOR),
            u_surname_exact: get(&model.u, Field::Surname).max(PROBABILITY_FLOOR),
            term_frequency: model.term_frequency,
            thresholds,
            // A vetoed pair lands one bit below the review threshold: visible in an
            // explanation, never linked, never queued.
            veto_weight: weight_of(thresholds.lower) - 1.0,
            max_name_weight: [0.0; 2],
            household_rules: true,
        }
        .with_name_bound(model)
    }

    /// The most weight the two name comparisons can add, term frequency included: what lets
    /// [`Scorer::score_at_least`] skip the string work for pairs that cannot reach a bar.
    fn with_name_bound(mut self, model: &Model) -> Self {
        let mut bound = [0.0; 2];
        for (k, f) in [Field::FirstName, Field::Surname].into_iter().enumerate() {
            let i = f.index();
            let levels = self.weights[i].iter().take(f.levels().len()).copied().fold(0.0, f64::max);
            let (u, log2_m) = match f {
                Field::FirstName => (self.u_first_exact, self.log2_m_first_exact),
                _ => (self.u_surname_exact, self.log2_m_surname_exact),
            };
            let tf = if model.term_frequency { log2_m - (u * 0.05).log2() } else { 0.0 };
            bound[k] = levels.max(tf);
        }
        self.max_name_weight = bound;
        self
    }

    /// Switches the household rule on (the default) or off.
    pub fn with_household_rules(mut self, on: bool) -> Self {
        self.household_rules = on;
        self
    }

    /// The thresholds decisions use.
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// Term-frequency adjusted weight of an exact name agreement. A rare surname agreeing
    /// says more than "Smith" agreeing; the frequency replaces u, but never drops below a
    /// twentieth of the average u so one unique misspelling cannot swamp everything.
    fn tf_adjustment(&self, field: Field, name: u32) -> f64 {
        let (freq, u, log2_m) = match field {
            Field::FirstName => (self.vocab.first_name_frequency(name), self.u_first_exact, self.log2_m_first_exact),
            _ => (self.vocab.surname_frequency(name), self.u_surname_exact, self.log2_m_surname_exact),
        };
        let tf_weight = log2_m - freq.max(u * 0.05).log2();
        tf_weight - self.weights[field.index()][0]
    }

    fn evaluate(&self, a: &Person, b: &Person, mut each: impl FnMut(Field, u8, f64, f64)) -> (Comparison, f64, Option<HouseholdRule>) {
        let c = compare(self.vocab, a, b);
        let mut w = self.prior_weight;
        for f in FIELDS {
            let l = c.0[f.index()];
            if l == MISSING {
                each(f, l, 0.0, 0.0);
                continue;
            }
            let base = if counted_elsewhere(&c, f) {
                0.0
            } else {
                self.weights[f.index()][usize::from(l)]
            };
            let tf = if self.term_frequency && l == 0 {
                match f {
                    Field::FirstName => self.tf_adjustment(f, a.first),
                    Field::Surname => self.tf_adjustment(f, a.surname),
                    _ => 0.0,
                }
            } else {
                0.0
            };
            each(f, l, base, tf);
            w += base + tf;
        }
        let rule = if self.household_rules { household_rule(&c) } else { None };
        (c, w, rule)
    }

    /// The score when it reaches `min_weight`, else `None`; the fast path of batch linkage.
    /// Integer fields are compared first; when even perfect name agreement could not lift
    /// the pair to `min_weight`, the names are never compared. Same result as
    /// [`Scorer::score`] for every pair it returns.
    pub fn score_at_least(&self, a: &Person, b: &Person, min_weight: f64) -> Option<Score> {
        let mut c = compare_cheap(self.vocab, a, b);
        let mut w = self.prior_weight;
        for f in [Field::Dob, Field::Sex, Field::Postcode, Field::Address, Field::Identifier] {
            let l = c.0[f.index()];
            if l != MISSING && !counted_elsewhere(&c, f) {
                w += self.weights[f.index()][usize::from(l)];
            }
        }
        let [max_first, max_surname] = self.max_name_weight;
        if w + max_first + max_surname < min_weight {
            return None;
        }
        // Surname next: usually an integer comparison (same interned name), and with it in
        // hand most pairs of a surname block can be ruled out without the first names.
        crate::compare::compare_surname_into(self.vocab, a, b, &mut c);
        let l = c.0[Field::Surname.index()];
        if l != MISSING {
            w += self.weights[Field::Surname.index()][usize::from(l)];
            if l == 0 && self.term_frequency {
                w += self.tf_adjustment(Field::Surname, a.surname);
            }
        }
        if w + max_first < min_weight {
            return None;
        }
        crate::compare::compare_first_name_into(self.vocab, a, b, &mut c);
        let l = c.0[Field::FirstName.index()];
        if l != MISSING {
            w += self.weights[Field::FirstName.index()][usize::from(l)];
            if l == 0 && self.term_frequency {
                w += self.tf_adjustment(Field::FirstName, a.first);
            }
        }
        if self.household_rules && household_rule(&c).is_some() {
            w = w.min(self.veto_weight);
        }
        (w >= min_weight).then(|| Score {
            weight: w,
            probability: probability_of(w),
        })
    }

    /// The final weight and probability of any pair.
    pub fn score(&self, a: &Person, b: &Person) -> Score {
        let (_, w, rule) = self.evaluate(a, b, |_, _, _, _| {});
        let w = if rule.is_some() { w.min(self.veto_weight) } else { w };
        Score {
            weight: w,
            probability: probability_of(w),
        }
    }

    /// Score plus every contribution, for the review page's waterfall.
    pub fn explain(&self, a: &Person, b: &Person) -> Explanation {
        let mut contributions = Vec::with_capacity(FIELD_COUNT);
        let (c, w, rule) = self.evaluate(a, b, |f, _, base, tf| {
            contributions.push(Contribution {
                field: f,
                label: f.label(),
                level: "",
                weight: base,
                term_frequency_adjustment: tf,
            });
        });
        for (contribution, f) in contributions.iter_mut().zip(FIELDS) {
            contribution.level = c.label(f);
        }
        let final_w = if rule.is_some() { w.min(self.veto_weight) } else { w };
        let p = probability_of(final_w);
        Explanation {
            prior_weight: self.prior_weight,
            contributions,
            household_rule: rule,
            household_adjustment: final_w - w,
            match_weight: final_w,
            match_probability: p,
            decision: self.thresholds.decide(p),
        }
    }
}
