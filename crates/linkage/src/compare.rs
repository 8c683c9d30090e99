//! Comparison levels: how closely two records agree on each field.
//!
//! Each comparison turns a pair of values into one level, checked from the strongest
//! agreement down; the first level that holds is the answer. `None` means a value is missing
//! on either side, which is evidence of nothing and contributes no weight. The model learns
//! how likely each level is among true matches (m) and among random pairs (u).

use crate::nickname::groups_overlap;
use crate::record::BirthDate;
use crate::vocab::{NONE, Person, Vocabulary};
use serde::Serialize;

/// The fields compared, in the order of a comparison vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Given name.
    FirstName,
    /// Family name.
    Surname,
    /// Date of birth.
    Dob,
    /// Sex.
    Sex,
    /// Postcode.
    Postcode,
    /// Address line words.
    Address,
    /// NHS number or other identifier.
    Identifier,
}

/// Number of compared fields.
pub const FIELD_COUNT: usize = 7;

/// All fields in comparison-vector order.
pub const FIELDS: [Field; FIELD_COUNT] = [
    Field::FirstName,
    Field::Surname,
    Field::Dob,
    Field::Sex,
    Field::Postcode,
    Field::Address,
    Field::Identifier,
];

impl Field {
    /// Position in a comparison vector.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Name shown in explanations and configuration.
    pub fn label(self) -> &'static str {
        match self {
            Field::FirstName => "first name",
            Field::Surname => "surname",
            Field::Dob => "date of birth",
            Field::Sex => "sex",
            Field::Postcode => "postcode",
            Field::Address => "address",
            Field::Identifier => "NHS number",
        }
    }

    /// The level labels of this field, strongest agreement first, disagreement last.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::FirstName => NAME_LEVELS,
            Field::Surname => SURNAME_LEVELS,
            Field::Dob => &["exact", "day and month swapped", "one digit different", "year ±1", "different"],
            Field::Sex | Field::Identifier => &["exact", "different"],
            Field::Postcode => &["exact", "same sector", "same district", "different"],
            Field::Address => &["exact", "same number, shared words", "different"],
        }
    }
}

const NAME_LEVELS: &[&str] = &[
    "exact",
    "nickname",
    "Jaro-Winkler ≥ 0.92",
    "same phonetic code",
    "swapped with surname",
    "Jaro-Winkler ≥ 0.80",
    "different",
];
const SURNAME_LEVELS: &[&str] = &[
    "exact",
    "Jaro-Winkler ≥ 0.92",
    "same phonetic code",
    "swapped with first name",
    "Jaro-Winkler ≥ 0.80",
    "different",
];

/// Upper Jaro–Winkler band: a single typo in a name of five or more letters.
pub const JW_HIGH: f64 = 0.92;
/// Lower Jaro–Winkler band: two slips, or a short name with one.
pub const JW_LOW: f64 = 0.80;

/// How two first names agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameLevel {
    /// Same letters.
    Exact,
    /// Known by each other (nickname table).
    Nickname,
    /// Jaro–Winkler similarity at or above [`JW_HIGH`].
    JaroWinklerHigh,
    /// Same Double Metaphone code ("Catherine"/"Kathryn").
    Phonetic,
    /// First name and surname written the other way round ("Rybak Jassim").
    Swapped,
    /// Jaro–Winkler similarity at or above [`JW_LOW`].
    JaroWinklerLow,
    /// None of the above.
    Different,
}

impl NameLevel {
    /// Whether the names agree at all: person-level evidence for the household rule.
    pub fn agrees(self) -> bool {
        self != NameLevel::Different
    }

    fn first_name_index(self) -> u8 {
        self as u8
    }

    fn surname_index(self) -> u8 {
        match self {
            NameLevel::Exact => 0,
            NameLevel::JaroWinklerHigh | NameLevel::Nickname => 1,
            NameLevel::Phonetic => 2,
            NameLevel::Swapped => 3,
            NameLevel::JaroWinklerLow => 4,
            NameLevel::Different => 5,
        }
    }
}

/// How two dates of birth agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DobLevel {
    /// Same date.
    Exact,
    /// Day and month exchanged (the US/UK format slip), same year.
    DayMonthSwapped,
    /// Exactly one of the eight digits differs (a keying slip).
    OneDigit,
    /// Same day and month, year one apart.
    YearOffByOne,
    /// None of the above.
    Different,
}

/// How two postcodes agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostcodeLevel {
    /// Same postcode.
    Exact,
    /// Same sector (`NM4 2`): a few streets apart.
    Sector,
    /// Same district (`NM4`).
    District,
    /// None of the above.
    Different,
}

/// How two address lines agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressLevel {
    /// Same words (after normalising abbreviations).
    Exact,
    /// The house numbers of one are all in the other (a flat number may be added) and a
    /// street word is shared; or, when either lacks numbers, at least half the words shared.
    Overlap,
    /// None of the above.
    Different,
}

/// Whether two values are equal; for sex and identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExactLevel {
    /// Equal.
    Exact,
    /// Not equal.
    Different,
}

/// Level indices of one pair, one per field in [`FIELDS`] order; [`MISSING`] where either
/// side lacks the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Comparison(pub [u8; FIELD_COUNT]);

/// Level index meaning "missing on one side".
pub const MISSING: u8 = u8::MAX;

impl Comparison {
    /// The level of one field.
    pub fn level(&self, field: Field) -> Option<u8> {
        let l = self.0[field.index()];
        (l != MISSING).then_some(l)
    }

    /// The label of one field's level, or "missing".
    pub fn label(&self, field: Field) -> &'static str {
        self.level(field)
            .and_then(|l| field.levels().get(l as usize).copied())
            .unwrap_or("missing")
    }
}

/// Slots in each thread's Jaro–Winkler cache (a power of two).
const JW_CACHE_SLOTS: usize = 1 << 16;

thread_local! {
    // Direct-mapped: the same few thousand name pairs recur across millions of candidate
    // pairs (every Smith in a postcode against every Jones), and a lookup is an order of
    // magnitude cheaper than the similarity itself. Fixed size, so memory cannot grow.
    static JW_CACHE: std::cell::RefCell<Vec<(u64, f64)>> =
        std::cell::RefCell::new(vec![(u64::MAX, 0.0); JW_CACHE_SLOTS]);
}

/// Jaro–Winkler of two interned names, through the thread's cache. Symmetric in its
/// arguments, so the key is ordered.
fn jaro_winkler(a_id: u32, b_id: u32, a: &str, b: &str) -> f64 {
    if a_id == NONE || b_id == NONE {
        return strsim::jaro_winkler(a, b);
    }
    let (lo, hi) = if a_id < b_id { (a_id, b_id) } else { (b_id, a_id) };
    let key = (u64::from(lo) << 32) | u64::from(hi);
    let slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize % JW_CACHE_SLOTS;
    JW_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let entry = &mut cache[slot];
        if entry.0 == key {
            return entry.1;
        }
        let (x, y) = if a_id < b_id { (a, b) } else { (b, a) };
        let jw = strsim::jaro_winkler(x, y);
        *entry = (key, jw);
        jw
    })
}

fn name_level(ids: (u32, u32), a: &str, b: &str, a_phon: u32, b_phon: u32, nickname: bool, swapped: bool) -> NameLevel {
    if a == b {
        return NameLevel::Exact;
    }
    if nickname {
        return NameLevel::Nickname;
    }
    let jw = jaro_winkler(ids.0, ids.1, a, b);
    if jw >= JW_HIGH {
        NameLevel::JaroWinklerHigh
    } else if a_phon == b_phon && a_phon != NONE {
        NameLevel::Phonetic
    } else if swapped {
        NameLevel::Swapped
    } else if jw >= JW_LOW {
        NameLevel::JaroWinklerLow
    } else {
        NameLevel::Different
    }
}

/// Compares two first names as text: the specification form of the comparison.
pub fn compare_first_names(a: &str, b: &str) -> Option<NameLevel> {
    let mut v = Vocabulary::new();
    let pa = v.record(&crate::Record {
        first_name: a.into(),
        ..Default::default()
    });
    let pb = v.record(&crate::Record {
        first_name: b.into(),
        ..Default::default()
    });
    first_name_level(&v, &pa, &pb)
}

/// Compares two surnames as text.
pub fn compare_surnames(a: &str, b: &str) -> Option<NameLevel> {
    let mut v = Vocabulary::new();
    let pa = v.record(&crate::Record {
        surname: a.into(),
        ..Default::default()
    });
    let pb = v.record(&crate::Record {
        surname: b.into(),
        ..Default::default()
    });
    surname_level(&v, &pa, &pb)
}

/// One record has the other's first name as its surname and the other way round.
fn names_swapped(a: &Person, b: &Person) -> bool {
    a.first != NONE && a.first == b.surname && a.surname == b.first
}

pub(crate) fn first_name_level(v: &Vocabulary, a: &Person, b: &Person) -> Option<NameLevel> {
    if a.first == NONE || b.first == NONE {
        return None;
    }
    if a.first == b.first {
        return Some(NameLevel::Exact);
    }
    let (ia, ib) = (v.name_info(a.first), v.name_info(b.first));
    Some(name_level(
        (a.first, b.first),
        v.name_text(a.first),
        v.name_text(b.first),
        ia.phonetic,
        ib.phonetic,
        groups_overlap(ia.groups, ib.groups),
        names_swapped(a, b),
    ))
}

pub(crate) fn surname_level(v: &Vocabulary, a: &Person, b: &Person) -> Option<NameLevel> {
    if a.surname == NONE || b.surname == NONE {
        return None;
    }
    if a.surname == b.surname {
        return Some(NameLevel::Exact);
    }
    Some(name_level(
        (a.surname, b.surname),
        v.name_text(a.surname),
        v.name_text(b.surname),
        v.name_info(a.surname).phonetic,
        v.name_info(b.surname).phonetic,
        false,
        names_swapped(a, b),
    ))
}

/// Compares two dates of birth.
pub fn compare_dobs(a: Option<BirthDate>, b: Option<BirthDate>) -> Option<DobLevel> {
    let (a, b) = (a?, b?);
    Some(if a == b {
        DobLevel::Exact
    } else if a.year() == b.year() && a.day() == b.month() && a.month() == b.day() {
        DobLevel::DayMonthSwapped
    } else if a.digits().iter().zip(b.digits().iter()).filter(|(x, y)| x != y).count() == 1 {
        DobLevel::OneDigit
    } else if a.month() == b.month() && a.day() == b.day() && a.year().abs_diff(b.year()) == 1 {
        DobLevel::YearOffByOne
    } else {
        DobLevel::Different
    })
}

/// Compares two postcodes as text.
pub fn compare_postcodes(a: &str, b: &str) -> Option<PostcodeLevel> {
    let mut v = Vocabulary::new();
    let pa = v.record(&crate::Record {
        postcode: a.into(),
        ..Default::default()
    });
    let pb = v.record(&crate::Record {
        postcode: b.into(),
        ..Default::default()
    });
    postcode_level(&pa, &pb)
}

pub(crate) fn postcode_level(a: &Person, b: &Person) -> Option<PostcodeLevel> {
    if a.postcode == NONE || b.postcode == NONE {
        return None;
    }
    Some(if a.postcode == b.postcode {
        PostcodeLevel::Exact
    } else if a.sector != NONE && a.sector == b.sector {
        PostcodeLevel::Sector
    } else if a.district != NONE && a.district == b.district {
        PostcodeLevel::District
    } else {
        PostcodeLevel::Different
    })
}

/// Compares two address lines as text.
pub fn compare_addresses(a: &str, b: &str) -> Option<AddressLevel> {
    let mut v = Vocabulary::new();
    let pa = v.record(&crate::Record {
        address_line: a.into(),
        ..Default::default()
    });
    let pb = v.record(&crate::Record {
        address_line: b.into(),
        ..Default::default()
    });
    address_level(&v, &pa, &pb)
}

pub(crate) fn address_level(v: &Vocabulary, a: &Person, b: &Person) -> Option<AddressLevel> {
    let (x, y) = (a.address(), b.address());
    if x.is_empty() || y.is_empty() {
        return None;
    }
    if x == y {
        return Some(AddressLevel::Exact);
    }
    let numbers = |s: &[u32]| -> ([u32; 8], usize) {
        let mut out = [0; 8];
        let mut n = 0;
        for t in s.iter().filter(|t| v.is_numeric_word(**t)) {
            out[n] = *t;
            n += 1;
        }
        (out, n)
    };
    let ((nx, lx), (ny, ly)) = (numbers(x), numbers(y));
    let shared_words = x.iter().filter(|t| !v.is_numeric_word(**t) && y.contains(t)).count();
    let overlap = if lx > 0 && ly > 0 {
        // "Flat 2, 12 Oak Road" is at "12 Oak Road": the fewer numbers must all appear in
        // the other address; "14 Oak Road" is a neighbour, not the same address.
        let (few, many) = if lx <= ly { (&nx[..lx], &ny[..ly]) } else { (&ny[..ly], &nx[..lx]) };
        few.iter().all(|n| many.contains(n)) && shared_words > 0
    } else {
        let shared = x.iter().filter(|t| y.contains(t)).count();
        2 * shared >= x.len().max(y.len())
    };
    Some(if overlap { AddressLevel::Overlap } else { AddressLevel::Different })
}

/// Compares two sex codes (as normalised: `b'M'`, `b'F'`).
pub fn compare_sex(a: Option<u8>, b: Option<u8>) -> Option<ExactLevel> {
    compare_sex_like(a, b)
}

/// Compares two identifiers (digits only).
pub fn compare_identifiers(a: Option<u64>, b: Option<u64>) -> Option<ExactLevel> {
    compare_sex_like(a, b)
}

fn compare_sex_like<T: PartialEq>(a: Option<T>, b: Option<T>) -> Option<ExactLevel> {
    Some(if a? == b? { ExactLevel::Exact } else { ExactLevel::Different })
}

/// All levels of one pair: the comparison vector scoring and training read.
pub fn compare(v: &Vocabulary, a: &Person, b: &Person) -> Comparison {
    let mut c = compare_cheap(v, a, b);
    compare_names(v, a, b, &mut c);
    c
}

/// The levels of every field but the names (which are left [`MISSING`]): integer
/// comparisons only, so a scorer can rule a pair out before computing string similarities.
pub fn compare_cheap(v: &Vocabulary, a: &Person, b: &Person) -> Comparison {
    let m = MISSING;
    Comparison([
        m,
        m,
        compare_dobs(a.dob, b.dob).map_or(m, |l| l as u8),
        compare_sex_like(a.sex, b.sex).map_or(m, |l| l as u8),
        postcode_level(a, b).map_or(m, |l| l as u8),
        address_level(v, a, b).map_or(m, |l| l as u8),
        compare_sex_like(a.nhs, b.nhs).map_or(m, |l| l as u8),
    ])
}

/// Fills in the name levels of a vector from [`compare_cheap`].
pub fn compare_names(v: &Vocabulary, a: &Person, b: &Person, c: &mut Comparison) {
    compare_first_name_into(v, a, b, c);
    compare_surname_into(v, a, b, c);
}

/// Fills in the first-name level only.
pub fn compare_first_name_into(v: &Vocabulary, a: &Person, b: &Person, c: &mut Comparison) {
    c.0[Field::FirstName.index()] = first_name_level(v, a, b).map_or(MISSING, NameLevel::first_name_index);
}

/// Fills in the surname level only.
pub fn compare_surname_into(v: &Vocabulary, a: &Person, b: &Person, c: &mut Comparison) {
    c.0[Field::Surname.index()] = surname_level(v, a, b).map_or(MISSING, NameLevel::surname_index);
}
