//! A seeded synthetic council register and agency extract, with the truth alongside.
//!
//! Real agency data can never be used to test or benchmark linkage, and public sets (FEBRL)
//! have no households. This generator builds a town of households, puts most of its people
//! on a register, and writes an extract in which some people are register people seen again
//! with realistic slips (typos, nicknames, swapped day and month, missing identifiers, a move,
//! a new surname) and the rest are not on the register, many of them the siblings, twins and
//! parents of register people at the very same address: the cases a household-blind linker
//! gets wrong. The same seed always gives the same files. Every name is drawn from generic
//! lists and a syllable generator; no real person's record is involved.

use crate::record::{BirthDate, Record, normalise_name};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// How big a data set to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// People on the register (the left side).
    pub register: usize,
    /// Records in the extract (the right side).
    pub extract: usize,
    /// Share of extract records, in percent, that are register people (the rest are not).
    pub match_percent: u8,
    /// The random seed.
    pub seed: u64,
}

impl Spec {
    /// A register of `register` people and an extract of `extract` records, 80 % of them
    /// register people.
    pub fn new(register: usize, extract: usize, seed: u64) -> Self {
        Self {
            register,
            extract,
            match_percent: 80,
            seed,
        }
    }
}

/// A generated record with the household it belongs to (for counting household false links).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthRecord {
    /// The record as a file would carry it.
    pub record: Record,
    /// The household the person lives in (the same number on both sides).
    pub household: u32,
}

/// The generated data and its ground truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synthetic {
    /// The council register.
    pub register: Vec<SynthRecord>,
    /// The agency extract.
    pub extract: Vec<SynthRecord>,
    /// For each extract record, the index of the same person on the register, if any.
    pub truth: Vec<Option<usize>>,
}

const MALE: &[&str] = &[
    "OLIVER",
    "JACK",
    "HARRY",
    "GEORGE",
    "NOAH",
    "CHARLIE",
    "JACOB",
    "ALFIE",
    "FREDDIE",
    "OSCAR",
    "LEO",
    "LOGAN",
    "ARCHIE",
    "THEO",
    "THOMAS",
    "JAMES",
    "JOSHUA",
    "HENRY",
    "WILLIAM",
    "MAX",
    "LUCAS",
    "ETHAN",
    "ARTHUR",
    "MASON",
    "ISAAC",
    "HARRISON",
    "TEDDY",
    "FINLEY",
    "DANIEL",
    "RILEY",
    "EDWARD",
    "JOSEPH",
    "ALEXANDER",
    "ADAM",
    "REGGIE",
    "SAMUEL",
    "JAXON",
    "SEBASTIAN",
    "ELIJAH",
    "HARLEY",
    "TOBY",
    "ARLO",
    "DYLAN",
    "JUDE",
    "BENJAMIN",
    "RORY",
    "TOMMY",
    "JAKE",
    "LOUIE",
    "CARTER",
    "JENSON",
    "HUGO",
    "BOBBY",
    "FRANKIE",
    "OLLIE",
    "ZACHARY",
    "DAVID",
    "ALBIE",
    "LEWIS",
    "LUCA",
    "RONNIE",
    "JASON",
    "MATTHEW",
    "ROBERT",
    "MICHAEL",
    "JOHN",
    "RICHARD",
    "STEPHEN",
    "ANDREW",
    "CHRISTOPHER",
    "ANTHONY",
    "PETER",
    "PAUL",
    "MARK",
    "KEVIN",
    "GARY",
    "NICHOLAS",
    "JONATHAN",
    "PATRICK",
    "NATHAN",
    "CONNOR",
    "KIERAN",
    "CALLUM",
    "LIAM",
    "TYLER",
    "AARON",
    "KYLE",
    "REECE",
    "JORDAN",
    "BRADLEY",
    "MOHAMMED",
    "AHMED",
    "YUSUF",
    "IBRAHIM",
    "OMAR",
    "ALI",
    "HAMZA",
    "AYAAN",
    "ROHAN",
    "ARJUN",
];

const FEMALE: &[&str] = &[
    "OLIVIA",
    "AMELIA",
    "ISLA",
    "AVA",
    "MIA",
    "IVY",
    "LILY",
    "ISABELLA",
    "ROSIE",
    "SOPHIA",
    "GRACE",
    "WILLOW",
    "FREYA",
    "FLORENCE",
    "EMILY",
    "ELLA",
    "POPPY",
    "EVIE",
    "ELSIE",
    "CHARLOTTE",
    "EVELYN",
    "SIENNA",
    "SOPHIE",
    "DAISY",
    "PHOEBE",
    "SOFIA",
    "ALICE",
    "MATILDA",
    "HARPER",
    "RUBY",
    "EMILIA",
    "MAYA",
    "LUNA",
    "IMOGEN",
    "MILLIE",
    "ERIN",
    "ARIA",
    "ESME",
    "ELIZA",
    "ELEANOR",
    "HOLLY",
    "LUCY",
    "JESSICA",
    "SCARLETT",
    "CHLOE",
    "HANNAH",
    "MOLLY",
    "AMBER",
    "ZARA",
    "LOLA",
    "ELIZABETH",
    "CATHERINE",
    "MARGARET",
    "SARAH",
    "REBECCA",
    "SAMANTHA",
    "VICTORIA",
    "NICOLA",
    "JENNIFER",
    "KATHERINE",
    "SUSAN",
    "DEBORAH",
    "PATRICIA",
    "CHRISTINE",
    "JOANNE",
    "LISA",
    "CLAIRE",
    "HELEN",
    "EMMA",
    "LAURA",
    "KAREN",
    "AMANDA",
    "MICHELLE",
    "STACEY",
    "KELLY",
    "DANIELLE",
    "GEMMA",
    "LEANNE",
    "KIRSTY",
    "JADE",
    "CHANTELLE",
    "SHANNON",
    "COURTNEY",
    "BETHANY",
    "AISHA",
    "FATIMA",
    "MARYAM",
    "AMINA",
    "ZAINAB",
    "PRIYA",
    "ANYA",
    "NADIA",
    "LAYLA",
    "HAFSA",
    "SAFIYA",
    "JOSEPHINE",
    "ISABEL",
    "HARRIET",
    "ALEXANDRA",
    "GABRIELLA",
];

const SURNAMES: &[&str] = &[
    "SMITH",
    "JONES",
    "WILLIAMS",
    "TAYLOR",
    "BROWN",
    "DAVIES",
    "EVANS",
    "WILSON",
    "THOMAS",
    "JOHNSON",
    "ROBERTS",
    "ROBINSON",
    "THOMPSON",
    "WRIGHT",
    "WALKER",
    "WHITE",
    "EDWARDS",
    "HUGHES",
    "GREEN",
    "HALL",
    "LEWIS",
    "HARRIS",
    "CLARKE",
    "PATEL",
    "JACKSON",
    "WOOD",
    "TURNER",
    "MARTIN",
    "COOPER",
    "HILL",
    "WARD",
    "MORRIS",
    "MOORE",
    "CLARK",
    "LEE",
    "KING",
    "BAKER",
    "HARRISON",
    "MORGAN",
    "ALLEN",
    "JAMES",
    "SCOTT",
    "PHILLIPS",
    "WATSON",
    "DAVIS",
    "PARKER",
    "PRICE",
    "BENNETT",
    "YOUNG",
    "GRIFFITHS",
    "MITCHELL",
    "KELLY",
    "COOK",
    "CARTER",
    "RICHARDSON",
    "BAILEY",
    "COLLINS",
    "BELL",
    "SHAW",
    "MURPHY",
    "MILLER",
    "COX",
    "RICHARDS",
    "KHAN",
    "MARSHALL",
    "ANDERSON",
    "SIMPSON",
    "ELLIS",
    "ADAMS",
    "SINGH",
    "BEGUM",
    "WILKINSON",
    "FOSTER",
    "CHAPMAN",
    "POWELL",
    "WEBB",
    "ROGERS",
    "GRAY",
    "MASON",
    "ALI",
    "HUNT",
    "HUSSAIN",
    "CAMPBELL",
    "MATTHEWS",
    "OWEN",
    "PALMER",
    "HOLMES",
    "MILLS",
    "BARNES",
    "KNIGHT",
    "LLOYD",
    "BUTLER",
    "RUSSELL",
    "BARKER",
    "FISHER",
    "STEVENS",
    "JENKINS",
    "MURRAY",
    "DIXON",
    "HARVEY",
    "GRAHAM",
    "PEARSON",
    "AHMED",
    "FLETCHER",
    "WALSH",
    "KAUR",
    "GIBSON",
    "HOWARD",
    "ANDREWS",
    "STEWART",
    "ELLIOTT",
    "REYNOLDS",
    "SAUNDERS",
    "PAYNE",
    "FOX",
    "FORD",
    "PEARCE",
    "DAY",
    "BROOKS",
    "WEST",
    "LAWRENCE",
    "COLE",
    "ATKINSON",
    "BRADLEY",
    "SPENCER",
    "GILL",
    "DAWSON",
    "BALL",
    "BURTON",
    "O'BRIEN",
    "WATTS",
    "ROSE",
    "BOOTH",
    "PERRY",
    "RYAN",
    "GRANT",
    "WELLS",
    "ARMSTRONG",
    "FRANCIS",
    "REES",
    "HAYES",
    "HART",
    "HUDSON",
    "NEWMAN",
    "BARRETT",
    "WEBSTER",
    "HUNTER",
    "GREGORY",
    "CARR",
    "LOWE",
    "PAGE",
    "MARSH",
    "RILEY",
    "DUNN",
    "WOODS",
    "PARSONS",
    "BERRY",
    "STONE",
    "REID",
    "HOLLAND",
    "HAWKINS",
    "HARDING",
    "PORTER",
    "ROBERTSON",
    "NEWTON",
    "OLIVER",
    "REED",
    "KENNEDY",
    "WILLIAMSON",
    "BIRD",
    "GARDNER",
    "SHAH",
    "DEAN",
    "LANE",
    "COLEMAN",
    "BURNS",
    "NICHOLS",
    "BECK",
    "MCDONALD",
    "OKAFOR",
    "ADEYEMI",
    "MENSAH",
    "NOWAK",
    "KOWALSKI",
    "NGUYEN",
    "CHEN",
    "WONG",
    "DA SILVA",
    "SANTOS",
    "RAHMAN",
    "CHOWDHURY",
    "MIAH",
    "ISLAM",
    "IQBAL",
    "MAHMOOD",
    "AKHTAR",
    "BIBI",
    "YILMAZ",
    "POPESCU",
];

const SYLLABLES_A: &[&str] = &[
    "ash", "bar", "bel", "brad", "brom", "car", "chal", "cran", "dal", "den", "dun", "el", "fair", "fen", "gar", "glen", "had", "hal",
    "har", "hay", "hol", "kel", "ken", "lang", "lin", "mar", "mel", "mor", "nor", "oak", "pen", "pres", "ral", "red", "ros", "sal", "stan",
    "thorn", "tren", "wal", "wes", "whit", "win", "wol", "yar",
];
const SYLLABLES_B: &[&str] = &[
    "by", "cott", "den", "don", "er", "ett", "field", "ford", "gate", "ham", "hurst", "ington", "ley", "lock", "man", "mere", "more",
    "ridge", "shaw", "stead", "ston", "thorpe", "ton", "ward", "well", "wick", "win", "worth",
];
const STREET_WORDS: &[&str] = &[
    "OAK", "ASH", "ELM", "BIRCH", "WILLOW", "MILL", "CHURCH", "STATION", "PARK", "HIGH", "GREEN", "MEADOW", "RIVER", "CASTLE", "QUEEN",
    "KING", "VICTORIA", "ALBERT", "GROVE", "HILL", "ORCHARD", "BROOK", "FIELD", "WINDMILL", "CHESTNUT", "BEECH", "CEDAR", "HAWTHORN",
    "ROWAN", "HAZEL", "LARCH", "MAPLE", "POPLAR", "SPRING", "SCHOOL", "BRIDGE", "MARKET", "NORTH", "SOUTH", "EAST", "WEST", "NEW", "OLD",
    "MANOR", "ABBEY", "PRIORY", "FARM",
];
const STREET_TYPES: &[(&str, &str)] = &[
    ("ROAD", "RD"),
    ("STREET", "ST"),
    ("LANE", "LN"),
    ("CLOSE", "CL"),
    ("AVENUE", "AVE"),
    ("DRIVE", "DR"),
    ("CRESCENT", "CRES"),
    ("GARDENS", "GDNS"),
    ("COURT", "CT"),
    ("WAY", "WAY"),
];
const AREAS: &[&str] = &["NM", "NX", "QN", "ZR"];
/// Streets per postcode sector; with 15–40 units a sector, a unit holds about 15 households,
/// close to the UK average, so postcode blocks are as wide as real ones.
const STREETS_PER_SECTOR: usize = 12;

/// A person in the synthetic town, before any record of them is written.
#[derive(Debug, Clone)]
struct Person {
    first: &'static str,
    surname: String,
    dob: BirthDate,
    sex: u8,
    household: u32,
    address: usize,
    nhs: u64,
    registered: bool,
}

#[derive(Debug, Clone)]
struct Address {
    number: u32,
    street: usize,
    postcode: String,
}

struct Town {
    streets: Vec<(String, usize)>,
    postcodes_per_sector: Vec<Vec<String>>,
}

fn skewed(rng: &mut ChaCha8Rng, n: usize, offset: f64) -> usize {
    // Weight 1/(rank + offset): a few very common values and a long tail, like real names.
    let h = ((n as f64 + offset) / offset).ln();
    let x = rng.random::<f64>() * h;
    let r = (offset * x.exp() - offset) as usize;
    r.min(n - 1)
}

fn synthetic_surname(rng: &mut ChaCha8Rng) -> String {
    let a = SYLLABLES_A[rng.random_range(0..SYLLABLES_A.len())];
    let b = SYLLABLES_B[rng.random_range(0..SYLLABLES_B.len())];
    let mut s = format!("{a}{b}");
    if rng.random_bool(0.3) {
        s.push_str(SYLLABLES_B[rng.random_range(0..SYLLABLES_B.len())]);
    }
    s.to_uppercase()
}

fn draw_surname(rng: &mut ChaCha8Rng, rare: &[String]) -> String {
    if rng.random_bool(0.6) {
        SURNAMES[skewed(rng, SURNAMES.len(), 10.0)].to_owned()
    } else {
        rare[rng.random_range(0..rare.len())].clone()
    }
}

fn draw_first(rng: &mut ChaCha8Rng, sex: u8) -> &'static str {
    let list = if sex == b'M' { MALE } else { FEMALE };
    list[skewed(rng, list.len(), 10.0)]
}

fn random_date(rng: &mut ChaCha8Rng, from: u16, to: u16) -> BirthDate {
    loop {
        let y = rng.random_range(from..=to);
        let m = rng.random_range(1..=12u8);
        let d = rng.random_range(1..=31u8);
        if let Ok(date) = BirthDate::new(y, m, d) {
            return date;
        }
    }
}

/// A ten-digit NHS-number-shaped identifier with a valid modulus-11 check digit.
fn nhs_number(rng: &mut ChaCha8Rng) -> u64 {
    loop {
        let mut digits = [0u64; 9];
        digits[0] = rng.random_range(4..=9);
        for d in digits.iter_mut().skip(1) {
            *d = rng.random_range(0..=9);
        }
        let sum: u64 = digits.iter().enumerate().map(|(i, d)| d * (10 - i as u64)).sum();
        let check = (11 - sum % 11) % 11;
        if check == 10 {
            continue;
        }
        return digits.iter().fold(0, |acc, d| acc * 10 + d) * 10 + check;
    }
}

impl Town {
    fn new(rng: &mut ChaCha8Rng, sectors: usize) -> Self {
        let mut postcodes_per_sector = Vec::with_capacity(sectors);
        for s in 0..sectors {
            let area = AREAS[s % AREAS.len()];
            let district = 1 + (s / AREAS.len()) / 10;
            let sector = (s / AREAS.len()) % 10;
            let units: Vec<String> = (0..rng.random_range(15..40))
                .map(|_| {
                    let a = (b'A' + rng.random_range(0..26u8)) as char;
                    let b = (b'A' + rng.random_range(0..26u8)) as char;
                    format!("{area}{district} {sector}{a}{b}")
                })
                .collect();
            postcodes_per_sector.push(units);
        }
        let streets = (0..sectors * STREETS_PER_SECTOR)
            .map(|i| {
                let w = STREET_WORDS[rng.random_range(0..STREET_WORDS.len())];
                let t = rng.random_range(0..STREET_TYPES.len());
                (format!("{w} {}", STREET_TYPES[t].0), i / STREETS_PER_SECTOR)
            })
            .collect();
        Self {
            streets,
            postcodes_per_sector,
        }
    }

    fn address(&self, rng: &mut ChaCha8Rng) -> Address {
        let street = rng.random_range(0..self.streets.len());
        let sector = self.streets[street].1;
        let units = &self.postcodes_per_sector[sector];
        // A street keeps to a handful of units of its sector, as real streets do.
        let unit = (street * 3 + rng.random_range(0..3)) % units.len();
        Address {
            number: rng.random_range(1..200),
            street,
            postcode: units[unit].clone(),
        }
    }
}

struct Generator {
    rng: ChaCha8Rng,
    rare: Vec<String>,
    town: Town,
    addresses: Vec<Address>,
    people: Vec<Person>,
    nicknames: HashMap<String, Vec<String>>,
}

impl Generator {
    fn household(&mut self, id: u32) {
        let address = self.addresses.len();
        let a = self.town.address(&mut self.rng);
        self.addresses.push(a);
        let surname = draw_surname(&mut self.rng, &self.rare);
        let kind = self.rng.random_range(0..100);
        let (adults, kids) = match kind {
            0..25 => (1, 0),
            25..45 => (2, 0),
            45..80 => (2, self.rng.random_range(1..=4)),
            _ => (1, self.rng.random_range(1..=4)),
        };
        let mut parent_year = 0;
        let mut father: Option<&'static str> = None;
        for i in 0..adults {
            let sex = if adults == 2 {
                if i == 0 { b'M' } else { b'F' }
            } else if self.rng.random_bool(0.7) {
                b'F'
            } else {
                b'M'
            };
            let dob = random_date(&mut self.rng, 1950, 2002);
            parent_year = parent_year.max(dob.year());
            let own_surname = if i == 1 && self.rng.random_bool(0.3) {
                draw_surname(&mut self.rng, &self.rare)
            } else {
                surname.clone()
            };
            let first = draw_first(&mut self.rng, sex);
            if sex == b'M' {
                father = Some(first);
            }
            self.push(first, own_surname, dob, sex, id, address);
        }
        let mut k = 0;
        while k < kids {
            let from = (parent_year + 18).min(2024);
            let to = (parent_year + 42).min(2024);
            let dob = random_date(&mut self.rng, from, to.max(from));
            let sex = if self.rng.random_bool(0.5) { b'M' } else { b'F' };
            let first = match father {
                Some(f) if sex == b'M' && self.rng.random_bool(0.06) => f,
                _ => draw_first(&mut self.rng, sex),
            };
            self.push(first, surname.clone(), dob, sex, id, address);
            k += 1;
            if k < 4 && self.rng.random_bool(0.03) {
                // Twins: same day, same surname, same address, a different name.
                let sex2 = if self.rng.random_bool(0.5) { b'M' } else { b'F' };
                let mut second = draw_first(&mut self.rng, sex2);
                while second == first {
                    second = draw_first(&mut self.rng, sex2);
                }
                self.push(second, surname.clone(), dob, sex2, id, address);
                k += 1;
            }
        }
    }

    fn push(&mut self, first: &'static str, surname: String, dob: BirthDate, sex: u8, household: u32, address: usize) {
        let nhs = nhs_number(&mut self.rng);
        let registered = self.rng.random_bool(0.9);
        self.people.push(Person {
            first,
            surname,
            dob,
            sex,
            household,
            address,
            nhs,
            registered,
        });
    }

    fn typo(&mut self, s: &str) -> String {
        let mut c: Vec<char> = s.chars().collect();
        if c.len() < 3 {
            return s.to_owned();
        }
        let i = self.rng.random_range(1..c.len());
        match self.rng.random_range(0..4) {
            0 => c[i] = (b'A' + self.rng.random_range(0..26u8)) as char,
            1 => {
                c.remove(i);
            }
            2 => c.insert(i, (b'A' + self.rng.random_range(0..26u8)) as char),
            _ => c.swap(i - 1, i),
        }
        c.into_iter().collect()
    }

    fn slip_date(&mut self, d: BirthDate) -> BirthDate {
        let r = self.rng.random_range(0..100);
        if r < 35
            && d.day() <= 12
            && d.day() != d.month()
            && let Ok(s) = BirthDate::new(d.year(), d.day(), d.month())
        {
            return s;
        }
        if r < 85 {
            for _ in 0..10 {
                let mut digits = d.digits();
                let i = [3, 5, 7, 6, 2][self.rng.random_range(0..5)];
                digits[i] = self.rng.random_range(0..10);
                let y = digits[..4].iter().fold(0u16, |a, x| a * 10 + u16::from(*x));
                let m = digits[4] * 10 + digits[5];
                let day = digits[6] * 10 + digits[7];
                if let Ok(n) = BirthDate::new(y, m, day)
                    && n != d
                    && n.year() <= 2024
                {
                    return n;
                }
            }
        }
        let y = if self.rng.random_bool(0.5) { d.year() + 1 } else { d.year() - 1 };
        BirthDate::new(y, d.month(), d.day()).unwrap_or(d)
    }

    /// A record of `p`; `noisy` applies the slips an agency's data entry makes.
    fn record(&mut self, p: &Person, id: String, noisy: bool, nhs_rate: f64) -> Record {
        let mut first = p.first.to_owned();
        let mut surname = p.surname.clone();
        let mut dob = Some(p.dob);
        let mut addr = self.addresses[p.address].clone();
        let mut sex = (p.sex as char).to_string();
        let mut abbreviate = false;
        let mut address_missing = false;
        let mut postcode_missing = false;
        if noisy {
            let r = self.rng.random_range(0..100);
            if r < 8 {
                if let Some(alts) = self.nicknames.get(&first)
                    && !alts.is_empty()
                {
                    first = alts[self.rng.random_range(0..alts.len())].clone();
                }
            } else if r < 12 {
                first = self.typo(&first);
            } else if r < 13 {
                first.clear();
            }
            let r = self.rng.random_range(0..1000);
            if r < 30 {
                surname = self.typo(&surname);
            } else if r < 50 && p.sex == b'F' && p.dob.year() < 2000 {
                surname = draw_surname(&mut self.rng, &self.rare);
            } else if r < 55 {
                surname.clear();
            }
            let r = self.rng.random_range(0..100);
            if r < 6 {
                dob = Some(self.slip_date(p.dob));
            } else if r < 8 {
                dob = None;
            }
            if self.rng.random_bool(0.05) {
                sex.clear();
            }
            let r = self.rng.random_range(0..100);
            if r < 7 {
                addr = self.town.address(&mut self.rng);
            } else if r < 8 {
                // A slip in the last letter of the unit: same sector.
                let mut pc: Vec<char> = addr.postcode.chars().collect();
                if let Some(last) = pc.last_mut() {
                    *last = (b'A' + self.rng.random_range(0..26u8)) as char;
                }
                addr.postcode = pc.into_iter().collect();
            }
            abbreviate = self.rng.random_bool(0.15);
            address_missing = self.rng.random_bool(0.03);
            postcode_missing = self.rng.random_bool(0.02);
        }
        let (street, _) = &self.town.streets[addr.street];
        let street = if abbreviate {
            STREET_TYPES.iter().fold(street.clone(), |s, (long, short)| s.replace(long, short))
        } else {
            street.clone()
        };
        let case = |s: String, rng: &mut ChaCha8Rng| {
            if noisy && rng.random_bool(0.3) { s } else { title_case(&s) }
        };
        Record {
            record_id: id,
            first_name: case(first, &mut self.rng),
            surname: case(surname, &mut self.rng),
            dob,
            sex,
            address_line: if address_missing {
                String::new()
            } else {
                title_case(&format!("{} {street}", addr.number))
            },
            postcode: if postcode_missing {
                String::new()
            } else if noisy && self.rng.random_bool(0.2) {
                addr.postcode.replace(' ', "")
            } else {
                addr.postcode.clone()
            },
            nhs_number: if self.rng.random_bool(nhs_rate) {
                p.nhs.to_string()
            } else {
                String::new()
            },
        }
    }
}

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphanumeric();
    }
    out
}

fn nickname_alternatives() -> HashMap<String, Vec<String>> {
    let text = include_str!("../data/nicknames.txt");
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for line in text.lines().map(|l| l.split('#').next().unwrap_or("").trim()) {
        let names: Vec<String> = line.split(',').map(normalise_name).filter(|n| !n.is_empty()).collect();
        if let Some((formal, short)) = names.split_first() {
            out.entry(formal.clone()).or_default().extend(short.iter().cloned());
        }
    }
    out
}

/// Generates a register and an extract. Deterministic in `spec`.
pub fn generate(spec: Spec) -> Synthetic {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let rare: Vec<String> = (0..6000).map(|_| synthetic_surname(&mut rng)).collect();
    // About 400 households a sector, 15 a postcode unit.
    let sectors = (spec.register / 1000).max(4);
    let town = Town::new(&mut rng, sectors);
    let mut g = Generator {
        rng,
        rare,
        town,
        addresses: Vec::new(),
        people: Vec::new(),
        nicknames: nickname_alternatives(),
    };
    let mut household = 0u32;
    let mut registered = 0usize;
    while registered < spec.register {
        let before = g.people.len();
        g.household(household);
        registered += g.people[before..].iter().filter(|p| p.registered).count();
        household += 1;
    }
    let people = std::mem::take(&mut g.people);
    let mut on_register: Vec<usize> = (0..people.len()).filter(|&i| people[i].registered).collect();
    on_register.truncate(spec.register);
    let mut register_index = vec![usize::MAX; people.len()];
    let mut register = Vec::with_capacity(on_register.len());
    for (n, &i) in on_register.iter().enumerate() {
        register_index[i] = n;
        let r = g.record(&people[i], format!("R{:07}", n + 1), false, 0.9);
        register.push(SynthRecord {
            record: r,
            household: people[i].household,
        });
    }

    let matches = (spec.extract * usize::from(spec.match_percent) / 100).min(on_register.len());
    let mut chosen = on_register.clone();
    chosen.shuffle(&mut g.rng);
    chosen.truncate(matches);
    let mut off_register: Vec<usize> = (0..people.len()).filter(|&i| register_index[i] == usize::MAX).collect();
    off_register.shuffle(&mut g.rng);
    let others = spec.extract - matches;
    let household_members = (others / 2).min(off_register.len());
    let mut rows: Vec<(usize, Option<usize>)> = chosen.iter().map(|&i| (i, Some(register_index[i]))).collect();
    rows.extend(off_register[..household_members].iter().map(|&i| (i, None)));
    let mut strangers = Vec::new();
    for _ in household_members..others {
        // Someone from outside the town: own address, own household.
        let address = g.addresses.len();
        let a = g.town.address(&mut g.rng);
        g.addresses.push(a);
        let sex = if g.rng.random_bool(0.5) { b'M' } else { b'F' };
        let first = draw_first(&mut g.rng, sex);
        let surname = draw_surname(&mut g.rng, &g.rare);
        let dob = random_date(&mut g.rng, 1950, 2024);
        let nhs = nhs_number(&mut g.rng);
        strangers.push(Person {
            first,
            surname,
            dob,
            sex,
            household,
            address,
            nhs,
            registered: false,
        });
        household += 1;
    }
    let base = people.len();
    let all: Vec<Person> = people.into_iter().chain(strangers).collect();
    rows.extend((base..all.len()).map(|i| (i, None)));
    rows.shuffle(&mut g.rng);
    let mut extract = Vec::with_capacity(rows.len());
    let mut truth = Vec::with_capacity(rows.len());
    for (n, (i, t)) in rows.into_iter().enumerate() {
        let r = g.record(&all[i], format!("E{:07}", n + 1), true, 0.5);
        extract.push(SynthRecord {
            record: r,
            household: all[i].household,
        });
        truth.push(t);
    }
    Synthetic { register, extract, truth }
}

fn write_side(path: &Path, rows: &[SynthRecord]) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        w,
        "record_id,first_name,surname,dob,sex,address_line,postcode,nhs_number,household_id"
    )?;
    for s in rows {
        let r = &s.record;
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{}",
            r.record_id,
            csv_field(&r.first_name),
            csv_field(&r.surname),
            r.dob.map(|d| d.to_string()).unwrap_or_default(),
            r.sex,
            csv_field(&r.address_line),
            r.postcode,
            r.nhs_number,
            s.household
        )?;
    }
    w.flush()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Writes `register.csv`, `extract.csv` (the default linkage columns plus `household_id`)
/// and `truth.csv` (`right_id,left_id`, `left_id` empty for people not on the register).
pub fn write_files(data: &Synthetic, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    write_side(&dir.join("register.csv"), &data.register)?;
    write_side(&dir.join("extract.csv"), &data.extract)?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(dir.join("truth.csv"))?);
    writeln!(w, "right_id,left_id")?;
    for (e, t) in data.extract.iter().zip(&data.truth) {
        let left = t.map(|i| data.register[i].record.record_id.as_str()).unwrap_or("");
        writeln!(w, "{},{}", e.record.record_id, left)?;
    }
    w.flush()
}
