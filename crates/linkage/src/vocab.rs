//! Interned values: each distinct name, postcode and address word is stored once and referred
//! to by number.
//!
//! A million-row register repeats a few thousand first names; comparing two `u32`s is far
//! cheaper than comparing strings, and the expensive per-value work (phonetic code, nickname
//! groups, term frequency) is done once per distinct value instead of once per row.

use crate::nickname::Nicknames;
use crate::record::{BirthDate, PostcodeParts, Record, address_tokens, normalise_identifier, normalise_name, normalise_sex};
use rphonetic::{DoubleMetaphone, Encoder};
use rustc_hash::FxHashMap;

/// Id for "no value": missing fields intern to it.
pub const NONE: u32 = 0;

/// How many address words a person keeps; house number and street fit comfortably.
pub const MAX_ADDRESS_TOKENS: usize = 8;

#[derive(Debug, Default)]
struct Interner {
    map: FxHashMap<Box<str>, u32>,
    strings: Vec<Box<str>>,
}

impl Interner {
    fn new() -> Self {
        Self {
            map: FxHashMap::default(),
            strings: vec!["".into()],
        }
    }

    /// Returns the id and whether the value is new.
    fn intern(&mut self, s: &str) -> (u32, bool) {
        if s.is_empty() {
            return (NONE, false);
        }
        if let Some(id) = self.map.get(s) {
            return (*id, false);
        }
        let id = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
        self.strings.push(s.into());
        self.map.insert(s.into(), id);
        (id, true)
    }

    fn get(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", |s| s)
    }
}

/// What is known about one distinct name, computed once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameInfo {
    /// Double Metaphone primary code, interned in the phonetic table.
    pub phonetic: u32,
    /// Nickname groups (see [`Nicknames::groups_of`]).
    pub groups: [u16; 3],
    /// How many records (both sides) carry it as a first name.
    pub first_count: u32,
    /// How many records carry it as a surname.
    pub surname_count: u32,
}

/// One person, reduced to interned ids and parsed values: what comparisons read.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub(crate) first: u32,
    pub(crate) surname: u32,
    pub(crate) dob: Option<BirthDate>,
    pub(crate) sex: Option<u8>,
    pub(crate) postcode: u32,
    pub(crate) sector: u32,
    pub(crate) district: u32,
    pub(crate) address: [u32; MAX_ADDRESS_TOKENS],
    pub(crate) address_len: u8,
    pub(crate) nhs: Option<u64>,
}

impl Person {
    pub(crate) fn address(&self) -> &[u32] {
        &self.address[..self.address_len as usize]
    }
}

/// The shared dictionary both sides of a linkage are interned into.
///
/// Both data sets must go through the same vocabulary so that equal values get equal ids.
#[derive(Debug)]
pub struct Vocabulary {
    names: Interner,
    info: Vec<NameInfo>,
    phonetic: Interner,
    places: Interner,
    words: Interner,
    numeric_word: Vec<bool>,
    encoder: DoubleMetaphone,
    nicknames: &'static Nicknames,
    people: u64,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Self::new()
    }
}

/// A person's fields as borrowed text, so the CSV reader can intern without allocating a
/// [`Record`] per row.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fields<'a> {
    /// Given name.
    pub first_name: &'a str,
    /// Family name.
    pub surname: &'a str,
    /// Parsed date of birth.
    pub dob: Option<BirthDate>,
    /// Sex code.
    pub sex: &'a str,
    /// Address line.
    pub address_line: &'a str,
    /// Postcode.
    pub postcode: &'a str,
    /// Identifier.
    pub nhs_number: &'a str,
}

impl<'a> From<&'a Record> for Fields<'a> {
    fn from(r: &'a Record) -> Self {
        Fields {
            first_name: &r.first_name,
            surname: &r.surname,
            dob: r.dob,
            sex: &r.sex,
            address_line: &r.address_line,
            postcode: &r.postcode,
            nhs_number: &r.nhs_number,
        }
    }
}

impl Vocabulary {
    /// An empty vocabulary using the shipped nickname table.
    pub fn new() -> Self {
        Self {
            names: Interner::new(),
            info: vec![NameInfo {
                phonetic: NONE,
                groups: [u16::MAX; 3],
                first_count: 0,
                surname_count: 0,
            }],
            phonetic: Interner::new(),
            places: Interner::new(),
            words: Interner::new(),
            numeric_word: vec![false],
            encoder: DoubleMetaphone::default(),
            nicknames: Nicknames::standard(),
            people: 0,
        }
    }

    fn name(&mut self, raw: &str, buf: &mut String) -> u32 {
        buf.clear();
        buf.extend(raw.chars().filter(|c| c.is_alphabetic()).flat_map(char::to_uppercase));
        let (id, new) = self.names.intern(buf);
        if new {
            let code = self.encoder.encode(buf);
            let (phonetic, _) = self.phonetic.intern(&code);
            self.info.push(NameInfo {
                phonetic,
                groups: self.nicknames.groups_of(buf),
                first_count: 0,
                surname_count: 0,
            });
        }
        id
    }

    /// Interns one person's fields.
    pub fn person(&mut self, f: Fields<'_>) -> Person {
        let mut buf = String::new();
        let first = self.name(f.first_name, &mut buf);
        let surname = self.name(f.surname, &mut buf);
        self.info[first as usize].first_count += u32::from(first != NONE);
        self.info[surname as usize].surname_count += u32::from(surname != NONE);
        let (postcode, sector, district) = match PostcodeParts::parse(f.postcode) {
            Some(p) => (
                self.places.intern(&p.full).0,
                p.sector.map_or(NONE, |s| self.places.intern(&s).0),
                p.district.map_or(NONE, |d| self.places.intern(&d).0),
            ),
            None => (NONE, NONE, NONE),
        };
        let mut address = [NONE; MAX_ADDRESS_TOKENS];
        let mut n = 0;
        for token in address_tokens(f.address_line).into_iter().take(MAX_ADDRESS_TOKENS) {
            let (id, new) = self.words.intern(&token);
            if new {
                self.numeric_word.push(token.bytes().any(|b| b.is_ascii_digit()));
            }
            address[n] = id;
            n += 1;
        }
        address[..n].sort_unstable();
        self.people += 1;
        Person {
            first,
            surname,
            dob: f.dob,
            sex: normalise_sex(f.sex),
            postcode,
            sector,
            district,
            address,
            address_len: n as u8,
            nhs: normalise_identifier(f.nhs_number),
        }
    }

    /// Interns a whole record (the convenient form for tests and small batches).
    pub fn record(&mut self, r: &Record) -> Person {
        self.person(r.into())
    }

    pub(crate) fn name_text(&self, id: u32) -> &str {
        self.names.get(id)
    }

    pub(crate) fn name_info(&self, id: u32) -> &NameInfo {
        &self.info[id as usize]
    }

    pub(crate) fn is_numeric_word(&self, id: u32) -> bool {
        self.numeric_word.get(id as usize).copied().unwrap_or(false)
    }

    /// Records interned so far (both sides): the denominator of term frequencies.
    pub fn people(&self) -> u64 {
        self.people
    }

    /// Share of records whose first name is this one (term frequency).
    pub(crate) fn first_name_frequency(&self, id: u32) -> f64 {
        f64::from(self.info[id as usize].first_count.max(1)) / (self.people.max(1) as f64)
    }

    /// Share of records whose surname is this one.
    pub(crate) fn surname_frequency(&self, id: u32) -> f64 {
        f64::from(self.info[id as usize].surname_count.max(1)) / (self.people.max(1) as f64)
    }

    /// Phonetic code of a name as text (for explanations and tests).
    pub fn phonetic_code(&self, name: &str) -> String {
        self.encoder.encode(&normalise_name(name))
    }
}
