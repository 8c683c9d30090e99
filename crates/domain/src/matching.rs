//! "Tell it once": when someone adds a person, offer the people already held who are probably
//! the same person, before a duplicate is made. A family told to repeat its story to every
//! agency is the failure early help exists to prevent; so is a child whose school and health
//! records never meet because one was typed "Jon Smyth".
//!
//! The scorer follows the Fellegi–Sunter model that record-linkage tools such as Splink use:
//! each field is compared at a few levels (exact, similar, different, missing) and each level
//! adds a *match weight* in bits — how many times more likely that level is among true matches
//! than among different people, as a power of two. The weights here are set by hand from how
//! people's details go wrong on forms (a letter mistyped, day and month swapped, a date of birth
//! one day out, a nickname) rather than trained; they are constants below so a reviewer can see
//! and argue with them.
//!
//! Two rules sit on top of the sum, because a sum alone gets households wrong:
//! - a sibling (twins especially) shares surname, address and sometimes birthday; so a
//!   suggestion is only ever *likely* when the first names agree in some way, or an identifier
//!   is shared;
//! - two different valid NHS numbers (or UPNs, or NI numbers) mean different people or a wrong
//!   record; such a pair is at most *possible*, with the conflict shown.
//!
//! The scorer is pure and compares every existing person it is given: the store should hand it
//! a blocked set (same surname sound, same date of birth, same postcode district, or a shared
//! identifier), not the whole county.

use crate::identifiers::{NationalInsuranceNumber, NhsNumber, UniquePupilNumber};
use crate::postcode::Postcode;
use std::fmt;
use time::Date;

/// What is known about a person, as compared for duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonDetails {
    /// First (given) name as typed.
    pub first_name: String,
    /// Surname (family name) as typed.
    pub surname: String,
    /// Date of birth, if known.
    pub date_of_birth: Option<Date>,
    /// Postcode of the current address, if known.
    pub postcode: Option<Postcode>,
    /// NHS number, if known.
    pub nhs_number: Option<NhsNumber>,
    /// Unique Pupil Number, if known.
    pub upn: Option<UniquePupilNumber>,
    /// National Insurance number, if known.
    pub national_insurance_number: Option<NationalInsuranceNumber>,
}

/// Evidence that two records are the same person, shown to the user as the reason for a
/// suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchReason {
    /// Both records have the same NHS number.
    SameNhsNumber,
    /// Both records have the same UPN.
    SameUniquePupilNumber,
    /// Both records have the same National Insurance number.
    SameNationalInsuranceNumber,
    /// First names are the same, ignoring case, accents and punctuation.
    SameFirstName,
    /// One first name is a known short form of the other (Jon, John; Liz, Elizabeth).
    FirstNameShortForm,
    /// First names are spelled almost the same.
    SimilarFirstName,
    /// Surnames are the same, ignoring case, accents and punctuation.
    SameSurname,
    /// Surnames are spelled almost the same.
    SimilarSurname,
    /// One part of a double-barrelled or two-part surname is shared.
    SharedPartOfSurname,
    /// First name and surname appear to have been entered the wrong way round.
    NamesSwapped,
    /// Dates of birth are the same.
    SameDateOfBirth,
    /// Dates of birth have day and month the other way round.
    DayAndMonthSwapped,
    /// Dates of birth are one day apart.
    DateOfBirthOneDayOut,
    /// Dates of birth differ in one digit (as written dd/mm/yyyy).
    DateOfBirthOneDigitDifferent,
    /// Dates of birth are the same day and month, one year apart.
    YearOfBirthOneOut,
    /// Postcodes are the same.
    SamePostcode,
    /// Postcodes are in the same sector (neighbouring streets).
    SamePostcodeSector,
}

impl MatchReason {
    /// The reason in words, for the suggestion list.
    pub fn describe(self) -> &'static str {
        match self {
            Self::SameNhsNumber => "same NHS number",
            Self::SameUniquePupilNumber => "same unique pupil number",
            Self::SameNationalInsuranceNumber => "same National Insurance number",
            Self::SameFirstName => "same first name",
            Self::FirstNameShortForm => "first name is a short form of the other",
            Self::SimilarFirstName => "similar first name",
            Self::SameSurname => "same surname",
            Self::SimilarSurname => "similar surname",
            Self::SharedPartOfSurname => "shares part of the surname",
            Self::NamesSwapped => "first name and surname swapped",
            Self::SameDateOfBirth => "same date of birth",
            Self::DayAndMonthSwapped => "date of birth with day and month swapped",
            Self::DateOfBirthOneDayOut => "date of birth one day out",
            Self::DateOfBirthOneDigitDifferent => "date of birth differs by one digit",
            Self::YearOfBirthOneOut => "year of birth one out",
            Self::SamePostcode => "same postcode",
            Self::SamePostcodeSector => "postcode nearby (same sector)",
        }
    }
}

impl fmt::Display for MatchReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Evidence that two records are different people, shown beside a suggestion so the user
/// can judge it ("same surname, same postcode — but different date of birth").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchConflict {
    /// Both have an NHS number and they differ.
    DifferentNhsNumber,
    /// Both have a UPN and they differ.
    DifferentUniquePupilNumber,
    /// Both have a National Insurance number and they differ.
    DifferentNationalInsuranceNumber,
    /// First names are not alike.
    DifferentFirstName,
    /// Surnames are not alike.
    DifferentSurname,
    /// Dates of birth are not alike.
    DifferentDateOfBirth,
    /// Postcodes are in different sectors.
    DifferentPostcode,
}

impl MatchConflict {
    /// The conflict in words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::DifferentNhsNumber => "different NHS number",
            Self::DifferentUniquePupilNumber => "different unique pupil number",
            Self::DifferentNationalInsuranceNumber => "different National Insurance number",
            Self::DifferentFirstName => "different first name",
            Self::DifferentSurname => "different surname",
            Self::DifferentDateOfBirth => "different date of birth",
            Self::DifferentPostcode => "different postcode",
        }
    }

    fn is_identifier(self) -> bool {
        matches!(
            self,
            Self::DifferentNhsNumber | Self::DifferentUniquePupilNumber | Self::DifferentNationalInsuranceNumber
        )
    }
}

impl fmt::Display for MatchConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// How strongly to put a suggestion to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchStrength {
    /// Probably the same person: offer it first and ask before creating a new record.
    Likely,
    /// Could be the same person (or a relative): list it for the user to check.
    Possible,
}

/// The result of comparing two people's details.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Sum of the match weights in bits; higher is more alike.
    pub match_weight: f64,
    /// What the records agree on.
    pub reasons: Vec<MatchReason>,
    /// What they disagree on.
    pub conflicts: Vec<MatchConflict>,
    /// How strongly to suggest it, or `None` when it is not worth showing.
    pub strength: Option<MatchStrength>,
}

impl Comparison {
    /// The probability that the two records are the same person, from the match weight and a
    /// prior of one in [`PRIOR_ODDS_AGAINST`]. For ordering and display; decisions use
    /// [`Comparison::strength`].
    pub fn probability(&self) -> f64 {
        let odds = (self.match_weight).exp2() / PRIOR_ODDS_AGAINST;
        odds / (1.0 + odds)
    }
}

/// An existing person suggested as a match for the one being added.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchSuggestion<Id> {
    /// The existing person's id, as given.
    pub id: Id,
    /// How strongly to suggest it.
    pub strength: MatchStrength,
    /// The details of the comparison: weight, reasons and conflicts.
    pub comparison: Comparison,
}

/// Before seeing any details, one pair in this many is the same person (a new person compared
/// with a blocked set of existing ones). Only used to turn weights into probabilities.
pub const PRIOR_ODDS_AGAINST: f64 = 1000.0;

/// A match weight at or above this is a likely match (subject to the rules in the module doc).
pub const LIKELY_WEIGHT: f64 = 12.0;
/// A match weight at or above this is a possible match.
pub const POSSIBLE_WEIGHT: f64 = 6.0;

// Match weights, in bits. Identifiers are nearly decisive either way; the date of birth is
// the strongest of the personal details (one of ~7000 for a child); a postcode is shared by a
// whole household, so it counts for less; names vary in how they are written.
const W_SAME_NHS: f64 = 20.0;
const W_DIFFERENT_NHS: f64 = -10.0;
const W_SAME_OTHER_ID: f64 = 18.0;
const W_DIFFERENT_OTHER_ID: f64 = -8.0;
const W_FIRST_SAME: f64 = 5.0;
const W_FIRST_SHORT_FORM: f64 = 4.0;
const W_FIRST_VERY_SIMILAR: f64 = 3.5;
const W_FIRST_SIMILAR: f64 = 2.0;
const W_FIRST_DIFFERENT: f64 = -5.0;
const W_SURNAME_SAME: f64 = 6.0;
const W_SURNAME_VERY_SIMILAR: f64 = 4.5;
const W_SURNAME_SIMILAR: f64 = 3.0;
const W_SURNAME_SHARED_PART: f64 = 3.0;
const W_SURNAME_DIFFERENT: f64 = -4.0;
const W_NAMES_SWAPPED: f64 = 8.0;
const W_DOB_SAME: f64 = 9.0;
const W_DOB_SWAPPED: f64 = 6.0;
const W_DOB_ONE_DAY: f64 = 5.0;
const W_DOB_ONE_DIGIT: f64 = 4.0;
const W_DOB_YEAR_ONE: f64 = 4.0;
const W_DOB_DIFFERENT: f64 = -6.0;
const W_POSTCODE_SAME: f64 = 4.0;
const W_POSTCODE_SECTOR: f64 = 1.5;
const W_POSTCODE_DIFFERENT: f64 = -1.0;

/// Jaro–Winkler similarity at or above which names are "very similar" (one letter wrong in a
/// name of five or more) and "similar" (Smith / Smyth; Jon / John).
const JW_VERY_SIMILAR: f64 = 0.92;
const JW_SIMILAR: f64 = 0.85;

/// Common English short forms and variants, as groups of names that may stand for each other.
/// A name may be in more than one group (Alex, Harry, Sam). Spelling variants that
/// Jaro–Winkler already catches (Katie/Katy) need not be listed.
const NAME_GROUPS: &[&[&str]] = &[
    &["john", "jon", "jonathan", "johnny", "jonny", "jack", "johnathan"],
    &["william", "will", "bill", "billy", "liam", "willie"],
    &["robert", "rob", "bob", "bobby", "robbie", "bert"],
    &["elizabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby", "elsie", "lisa"],
    &["katherine", "catherine", "kathryn", "kate", "katie", "cathy", "kath", "kat", "kay"],
    &["margaret", "maggie", "meg", "peggy", "megan"],
    &["richard", "rich", "rick", "ricky", "dick", "richie"],
    &["thomas", "tom", "tommy"],
    &["james", "jim", "jimmy", "jamie"],
    &["michael", "mike", "mick", "mikey", "mickey"],
    &["daniel", "dan", "danny"],
    &["danielle", "dani", "daniela", "daniella"],
    &["christopher", "chris", "kit"],
    &["christine", "chris", "chrissie", "tina", "christina"],
    &["alexander", "alex", "alec", "sandy", "xander", "lex"],
    &["alexandra", "alex", "lexi", "sasha", "sandra", "alexa"],
    &["anthony", "tony", "ant"],
    &["edward", "ed", "eddie", "ted", "teddy", "ned"],
    &["samuel", "sam", "sammy"],
    &["samantha", "sam", "sammie", "sammy"],
    &["benjamin", "ben", "benny", "benji"],
    &["joseph", "joe", "joey"],
    &["josephine", "jo", "josie"],
    &["joanne", "jo", "joanna", "joann"],
    &["matthew", "matt", "matty"],
    &["nicholas", "nick", "nicky", "nico"],
    &["nicola", "nicky", "nikki"],
    &["rebecca", "becky", "becca", "bex"],
    &["jennifer", "jen", "jenny", "jenna"],
    &["victoria", "vicky", "vikki", "tori"],
    &["charlotte", "charlie", "lottie", "lotte"],
    &["charles", "charlie", "chas", "chuck", "chaz"],
    &["abigail", "abi", "abby", "abbie", "gail"],
    &["olivia", "liv", "livvy", "livia"],
    &["isabella", "isabel", "isabelle", "bella", "izzy", "issy", "isobel"],
    &["frederick", "fred", "freddie", "freddy"],
    &["harold", "harry", "hal"],
    &["henry", "harry", "hal", "hank"],
    &["harriet", "hattie", "harry"],
    &["patrick", "pat", "paddy"],
    &["patricia", "pat", "patsy", "trish", "tricia"],
    &["susan", "sue", "susie", "suzanne", "suzy"],
    &["stephen", "steven", "steve", "stevie"],
    &["andrew", "andy", "drew"],
    &["david", "dave", "davey"],
    &["peter", "pete"],
    &["gregory", "greg"],
    &["jessica", "jess", "jessie"],
    &["zachary", "zach", "zack", "zak"],
    &["kenneth", "ken", "kenny"],
    &["leonard", "len", "lenny", "leo"],
    &["terence", "terry", "tel"],
    &["deborah", "debbie", "debra", "deb"],
    &["amanda", "mandy"],
    &["florence", "flo", "florrie"],
    &["theodore", "theo", "ted", "teddy"],
    &["oliver", "ollie", "olly"],
    &["mohammed", "muhammad", "mohammad", "mohamed", "muhammed"],
];

/// Lower case, common accents folded, and only letters kept; words split on spaces, hyphens
/// and the like. "O'Brien-Núñez" → ["obrien", "nunez"].
fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || c == '-' || c == '–')
        .map(|w| w.chars().flat_map(char::to_lowercase).filter_map(fold).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect()
}

fn fold(c: char) -> Option<char> {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'č' | 'ć' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ý' | 'ÿ' => 'y',
        'ł' => 'l',
        'ś' | 'š' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        c if c.is_alphabetic() => c,
        _ => return None,
    };
    Some(folded)
}

fn short_forms_of_each_other(a: &str, b: &str) -> bool {
    NAME_GROUPS.iter().any(|g| g.contains(&a) && g.contains(&b))
}

#[derive(Debug, Clone, Copy)]
enum NameLevel {
    Same,
    ShortForm,
    VerySimilar,
    Similar,
    SharedPart,
    Different,
}

fn compare_names(a: &str, b: &str, first_name: bool) -> Option<NameLevel> {
    let (wa, wb) = (name_words(a), name_words(b));
    if wa.is_empty() || wb.is_empty() {
        return None;
    }
    let (ja, jb) = (wa.concat(), wb.concat());
    if ja == jb {
        return Some(NameLevel::Same);
    }
    // A first name is compared by its first word, so "Mary Ann" and "Mary" agree.
    let (fa, fb) = if first_name {
        (wa[0].as_str(), wb[0].as_str())
    } else {
        (ja.as_str(), jb.as_str())
    };
    if first_name && fa == fb {
        return Some(NameLevel::Same);
    }
    if first_name && short_forms_of_each_other(fa, fb) {
        return Some(NameLevel::ShortForm);
    }
    let jw = strsim::jaro_winkler(fa, fb);
    // Jaro–Winkler undervalues names with repeated letters; one typing slip (a letter wrong,
    // missing, extra, or two swapped) in a name of five letters or more is very similar too.
    let one_slip = fa.chars().count().min(fb.chars().count()) >= 5 && strsim::osa_distance(fa, fb) == 1;
    if jw >= JW_VERY_SIMILAR || one_slip {
        return Some(NameLevel::VerySimilar);
    }
    if jw >= JW_SIMILAR {
        return Some(NameLevel::Similar);
    }
    if !first_name && (wa.len() > 1 || wb.len() > 1) && wa.iter().any(|w| wb.contains(w)) {
        return Some(NameLevel::SharedPart);
    }
    Some(NameLevel::Different)
}

fn compare_dates(a: Date, b: Date) -> Option<(MatchReason, f64)> {
    if a == b {
        return Some((MatchReason::SameDateOfBirth, W_DOB_SAME));
    }
    if a.year() == b.year() && a.day() == u8::from(b.month()) && u8::from(a.month()) == b.day() {
        return Some((MatchReason::DayAndMonthSwapped, W_DOB_SWAPPED));
    }
    if (a - b).whole_days().abs() == 1 {
        return Some((MatchReason::DateOfBirthOneDayOut, W_DOB_ONE_DAY));
    }
    let written = |d: Date| format!("{:02}{:02}{:04}", d.day(), u8::from(d.month()), d.year());
    let differing = written(a).chars().zip(written(b).chars()).filter(|(x, y)| x != y).count();
    if differing == 1 {
        return Some((MatchReason::DateOfBirthOneDigitDifferent, W_DOB_ONE_DIGIT));
    }
    if a.day() == b.day() && a.month() == b.month() && (a.year() - b.year()).abs() == 1 {
        return Some((MatchReason::YearOfBirthOneOut, W_DOB_YEAR_ONE));
    }
    None
}

/// Compares a pair of identifiers: `Some(true)` same, `Some(false)` both present and
/// different, `None` when either is missing.
fn same<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> Option<bool> {
    Some(a.as_ref()? == b.as_ref()?)
}

/// Compares two people's details field by field. Symmetric: the order of the two does not
/// change the weight.
pub fn compare(a: &PersonDetails, b: &PersonDetails) -> Comparison {
    let mut weight = 0.0;
    let mut reasons = Vec::new();
    let mut conflicts = Vec::new();

    let identifiers = [
        (
            same(&a.nhs_number, &b.nhs_number),
            MatchReason::SameNhsNumber,
            MatchConflict::DifferentNhsNumber,
            W_SAME_NHS,
            W_DIFFERENT_NHS,
        ),
        (
            same(&a.upn, &b.upn),
            MatchReason::SameUniquePupilNumber,
            MatchConflict::DifferentUniquePupilNumber,
            W_SAME_OTHER_ID,
            W_DIFFERENT_OTHER_ID,
        ),
        (
            same(&a.national_insurance_number, &b.national_insurance_number),
            MatchReason::SameNationalInsuranceNumber,
            MatchConflict::DifferentNationalInsuranceNumber,
            W_SAME_OTHER_ID,
            W_DIFFERENT_OTHER_ID,
        ),
    ];
    for (outcome, reason, conflict, w_same, w_different) in identifiers {
        match outcome {
            Some(true) => {
                weight += w_same;
                reasons.push(reason);
            }
            Some(false) => {
                weight += w_different;
                conflicts.push(conflict);
            }
            None => {}
        }
    }

    let first = compare_names(&a.first_name, &b.first_name, true);
    let surname = compare_names(&a.surname, &b.surname, false);
    let crossed = || {
        let (af, as_, bf, bs) = (
            name_words(&a.first_name),
            name_words(&a.surname),
            name_words(&b.first_name),
            name_words(&b.surname),
        );
        !af.is_empty() && !as_.is_empty() && af == bs && as_ == bf
    };
    let mut first_names_agree = false;
    if matches!((&first, &surname), (Some(NameLevel::Different), Some(NameLevel::Different))) && crossed() {
        weight += W_NAMES_SWAPPED;
        reasons.push(MatchReason::NamesSwapped);
        first_names_agree = true;
    } else {
        let first_level = match first {
            Some(NameLevel::Same) => Some((W_FIRST_SAME, Ok(MatchReason::SameFirstName))),
            Some(NameLevel::ShortForm) => Some((W_FIRST_SHORT_FORM, Ok(MatchReason::FirstNameShortForm))),
            Some(NameLevel::VerySimilar) => Some((W_FIRST_VERY_SIMILAR, Ok(MatchReason::SimilarFirstName))),
            Some(NameLevel::Similar) => Some((W_FIRST_SIMILAR, Ok(MatchReason::SimilarFirstName))),
            Some(NameLevel::SharedPart | NameLevel::Different) => Some((W_FIRST_DIFFERENT, Err(MatchConflict::DifferentFirstName))),
            None => None,
        };
        match first_level {
            Some((w, Ok(reason))) => {
                weight += w;
                reasons.push(reason);
                first_names_agree = true;
            }
            Some((w, Err(conflict))) => {
                weight += w;
                conflicts.push(conflict);
            }
            None => {}
        }
        match surname {
            Some(NameLevel::Same) => {
                weight += W_SURNAME_SAME;
                reasons.push(MatchReason::SameSurname);
            }
            Some(NameLevel::VerySimilar) => {
                weight += W_SURNAME_VERY_SIMILAR;
                reasons.push(MatchReason::SimilarSurname);
            }
            Some(NameLevel::Similar | NameLevel::ShortForm) => {
                weight += W_SURNAME_SIMILAR;
                reasons.push(MatchReason::SimilarSurname);
            }
            Some(NameLevel::SharedPart) => {
                weight += W_SURNAME_SHARED_PART;
                reasons.push(MatchReason::SharedPartOfSurname);
            }
            Some(NameLevel::Different) => {
                weight += W_SURNAME_DIFFERENT;
                conflicts.push(MatchConflict::DifferentSurname);
            }
            None => {}
        }
    }

    if let (Some(da), Some(db)) = (a.date_of_birth, b.date_of_birth) {
        match compare_dates(da, db) {
            Some((reason, w)) => {
                weight += w;
                reasons.push(reason);
            }
            None => {
                weight += W_DOB_DIFFERENT;
                conflicts.push(MatchConflict::DifferentDateOfBirth);
            }
        }
    }

    if let (Some(pa), Some(pb)) = (&a.postcode, &b.postcode) {
        if pa == pb {
            weight += W_POSTCODE_SAME;
            reasons.push(MatchReason::SamePostcode);
        } else if pa.sector() == pb.sector() {
            weight += W_POSTCODE_SECTOR;
            reasons.push(MatchReason::SamePostcodeSector);
        } else {
            weight += W_POSTCODE_DIFFERENT;
            conflicts.push(MatchConflict::DifferentPostcode);
        }
    }

    let shares_identifier = reasons.iter().any(|r| {
        matches!(
            r,
            MatchReason::SameNhsNumber | MatchReason::SameUniquePupilNumber | MatchReason::SameNationalInsuranceNumber
        )
    });
    let identifier_conflict = conflicts.iter().any(|c| c.is_identifier());
    let strength = if weight >= LIKELY_WEIGHT && (first_names_agree || shares_identifier) && !identifier_conflict {
        Some(MatchStrength::Likely)
    } else if weight >= POSSIBLE_WEIGHT {
        Some(MatchStrength::Possible)
    } else {
        None
    };
    Comparison {
        match_weight: weight,
        reasons,
        conflicts,
        strength,
    }
}

/// The existing people who may be the person being added, most likely first. People not
/// worth showing are left out; ties keep the order they were given in.
pub fn suggest_matches<'a, Id>(
    candidate: &PersonDetails,
    existing: impl IntoIterator<Item = (Id, &'a PersonDetails)>,
) -> Vec<MatchSuggestion<Id>> {
    let mut suggestions: Vec<MatchSuggestion<Id>> = existing
        .into_iter()
        .filter_map(|(id, person)| {
            let comparison = compare(candidate, person);
            comparison.strength.map(|strength| MatchSuggestion { id, strength, comparison })
        })
        .collect();
    suggestions.sort_by(|x, y| {
        x.strength
            .cmp(&y.strength)
            .then_with(|| y.comparison.match_weight.total_cmp(&x.comparison.match_weight))
    });
    suggestions
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn person(first: &str, surname: &str, dob: Option<Date>, postcode: Option<&str>) -> PersonDetails {
        PersonDetails {
            first_name: first.to_owned(),
            surname: surname.to_owned(),
            date_of_birth: dob,
            postcode: postcode.map(|p| Postcode::parse(p).unwrap()),
            ..PersonDetails::default()
        }
    }

    /// A synthetic household at NX4 7QD and some neighbours.
    fn existing() -> Vec<(u32, PersonDetails)> {
        vec![
            (1, person("John", "Smyth", Some(date!(2014 - 03 - 09)), Some("NX4 7QD"))),
            (2, person("Amelia", "Smyth", Some(date!(2016 - 08 - 21)), Some("NX4 7QD"))),
            (3, person("Priya", "Raman", Some(date!(2014 - 03 - 09)), Some("NX4 7QB"))),
            (4, person("John", "Smyth", Some(date!(1981 - 11 - 02)), Some("NX4 7QD"))),
            (5, person("Oliver", "Hart", Some(date!(2012 - 05 - 30)), Some("NX9 2AB"))),
        ]
    }

    fn suggest(candidate: &PersonDetails) -> Vec<MatchSuggestion<u32>> {
        let people = existing();
        suggest_matches(candidate, people.iter().map(|(id, p)| (*id, p)))
    }

    #[test]
    fn the_same_person_typed_in_lower_case_with_a_misspelt_name_is_the_top_likely_match() {
        let candidate = person("jon", "smith", Some(date!(2014 - 03 - 09)), Some("nx4 7qd"));
        let found = suggest(&candidate);
        assert_eq!(found[0].id, 1);
        assert_eq!(found[0].strength, MatchStrength::Likely);
        let reasons = &found[0].comparison.reasons;
        assert!(reasons.contains(&MatchReason::SameDateOfBirth));
        assert!(reasons.contains(&MatchReason::SimilarSurname));
        assert!(reasons.contains(&MatchReason::FirstNameShortForm));
        assert!(reasons.contains(&MatchReason::SamePostcode));
    }

    #[test]
    fn a_first_name_with_two_letters_transposed_and_in_lower_case_is_still_the_top_likely_match() {
        let candidate = person("jhon", "smyth", Some(date!(2014 - 03 - 09)), None);
        let found = suggest(&candidate);
        assert_eq!((found[0].id, found[0].strength), (1, MatchStrength::Likely));
        assert!(found[0].comparison.reasons.contains(&MatchReason::SimilarFirstName));
    }

    #[test]
    fn day_and_month_swapped_in_different_years_is_not_called_a_swap() {
        let a = person("Ada", "Khan", Some(date!(2014 - 03 - 09)), None);
        let b = person("Ada", "Khan", Some(date!(2015 - 09 - 03)), None);
        assert!(!compare(&a, &b).reasons.contains(&MatchReason::DayAndMonthSwapped));
    }

    #[test]
    fn the_same_person_with_day_and_month_of_birth_swapped_is_a_likely_match() {
        let candidate = person("John", "Smyth", Some(date!(2014 - 09 - 03)), None);
        let found = suggest(&candidate);
        assert_eq!((found[0].id, found[0].strength), (1, MatchStrength::Likely));
        assert!(found[0].comparison.reasons.contains(&MatchReason::DayAndMonthSwapped));
    }

    #[test]
    fn the_same_person_with_date_of_birth_one_day_out_and_a_typo_is_a_likely_match() {
        let candidate = person("JOHN", "Smithe", Some(date!(2014 - 03 - 10)), Some("NX4 7QD"));
        let found = suggest(&candidate);
        assert_eq!((found[0].id, found[0].strength), (1, MatchStrength::Likely));
        assert!(found[0].comparison.reasons.contains(&MatchReason::DateOfBirthOneDayOut));
    }

    #[test]
    fn a_sibling_at_the_same_address_with_a_different_first_name_and_birthday_is_not_suggested() {
        let candidate = person("Amelia", "Smyth", Some(date!(2016 - 08 - 21)), Some("NX4 7QD"));
        let found = suggest(&candidate);
        assert_eq!(found[0].id, 2, "Amelia herself is found");
        assert!(found.iter().all(|s| s.id != 1), "her brother John is not suggested: {found:?}");
    }

    #[test]
    fn a_twin_at_the_same_address_is_at_most_a_possible_match() {
        // Same surname, address and birthday; only the first name differs.
        let twin = person("Noah", "Smyth", Some(date!(2014 - 03 - 09)), Some("NX4 7QD"));
        let found = suggest(&twin);
        let john = found.iter().find(|s| s.id == 1).unwrap();
        assert_eq!(john.strength, MatchStrength::Possible);
        assert!(john.comparison.conflicts.contains(&MatchConflict::DifferentFirstName));
    }

    #[test]
    fn a_parent_with_the_same_name_as_the_child_ranks_below_the_child() {
        let candidate = person("John", "Smyth", Some(date!(2014 - 03 - 09)), Some("NX4 7QD"));
        let found = suggest(&candidate);
        let position = |id| found.iter().position(|s| s.id == id);
        assert_eq!(position(1), Some(0));
        assert!(position(4).is_none_or(|p| p > 0 && found[p].strength == MatchStrength::Possible));
    }

    #[test]
    fn a_stranger_sharing_only_a_birthday_is_not_suggested() {
        let candidate = person("Grace", "Okafor", Some(date!(2014 - 03 - 09)), Some("NX1 1AA"));
        assert!(suggest(&candidate).is_empty());
    }

    #[test]
    fn a_shared_nhs_number_is_a_likely_match_even_after_a_change_of_name() {
        let nhs = NhsNumber::parse("943 476 5919").unwrap();
        let mut existing = person("Kayla", "Brown", Some(date!(2013 - 01 - 15)), Some("NX4 7QD"));
        existing.nhs_number = Some(nhs.clone());
        let mut candidate = person("Kayla", "Osei", None, Some("NX9 2AB"));
        candidate.nhs_number = Some(nhs);
        let found = suggest_matches(&candidate, [(7, &existing)]);
        assert_eq!(found[0].strength, MatchStrength::Likely);
        assert!(found[0].comparison.reasons.contains(&MatchReason::SameNhsNumber));
    }

    #[test]
    fn different_nhs_numbers_keep_an_otherwise_identical_record_to_possible_and_say_why() {
        let mut existing = person("Kayla", "Brown", Some(date!(2013 - 01 - 15)), Some("NX4 7QD"));
        existing.nhs_number = Some(NhsNumber::parse("943 476 5919").unwrap());
        let mut candidate = existing.clone();
        candidate.nhs_number = Some(NhsNumber::from_first_nine([9, 9, 9, 0, 0, 0, 0, 0, 1]).unwrap());
        let found = suggest_matches(&candidate, [(7, &existing)]);
        assert_eq!(found[0].strength, MatchStrength::Possible);
        assert!(found[0].comparison.conflicts.contains(&MatchConflict::DifferentNhsNumber));
    }

    #[test]
    fn names_entered_the_wrong_way_round_are_found() {
        let candidate = person("Smyth", "John", Some(date!(2014 - 03 - 09)), Some("NX4 7QD"));
        let found = suggest(&candidate);
        assert_eq!((found[0].id, found[0].strength), (1, MatchStrength::Likely));
        assert!(found[0].comparison.reasons.contains(&MatchReason::NamesSwapped));
    }

    #[test]
    fn accents_hyphens_and_apostrophes_do_not_hide_a_match() {
        let a = person("Zoë", "O'Brien-Núñez", Some(date!(2015 - 02 - 01)), None);
        let b = person("zoe", "obrien nunez", Some(date!(2015 - 02 - 01)), None);
        let c = compare(&a, &b);
        assert!(c.reasons.contains(&MatchReason::SameFirstName) && c.reasons.contains(&MatchReason::SameSurname));
        assert_eq!(c.strength, Some(MatchStrength::Likely));
    }

    #[test]
    fn one_part_of_a_double_barrelled_surname_counts_as_shared() {
        let a = person("Leo", "Hart-Williams", Some(date!(2015 - 02 - 01)), None);
        let b = person("Leo", "Williams", Some(date!(2015 - 02 - 01)), None);
        assert!(compare(&a, &b).reasons.contains(&MatchReason::SharedPartOfSurname));
    }

    #[test]
    fn reasons_read_as_plain_english() {
        assert_eq!(MatchReason::SameDateOfBirth.to_string(), "same date of birth");
        assert_eq!(MatchReason::SimilarSurname.to_string(), "similar surname");
        assert_eq!(MatchReason::SameNhsNumber.to_string(), "same NHS number");
        assert_eq!(MatchConflict::DifferentDateOfBirth.to_string(), "different date of birth");
    }

    #[test]
    fn probability_rises_with_the_match_weight() {
        let low = Comparison {
            match_weight: 0.0,
            reasons: vec![],
            conflicts: vec![],
            strength: None,
        };
        let high = Comparison {
            match_weight: 20.0,
            ..low.clone()
        };
        assert!(low.probability() < 0.01 && high.probability() > 0.99);
    }

    fn name() -> impl Strategy<Value = String> {
        "[A-Z][a-z]{2,9}"
    }

    fn details() -> impl Strategy<Value = PersonDetails> {
        (name(), name(), 0i64..9000, proptest::bool::ANY).prop_map(|(first, surname, days, with_postcode)| {
            person(
                &first,
                &surname,
                Some(date!(2000 - 01 - 01) + time::Duration::days(days)),
                with_postcode.then_some("NX4 7QD"),
            )
        })
    }

    proptest! {
        #[test]
        fn anyone_is_a_likely_match_for_themselves_typed_in_another_case(p in details()) {
            let mut typed = p.clone();
            typed.first_name = format!("  {} ", p.first_name.to_uppercase());
            typed.surname = p.surname.to_lowercase();
            prop_assert_eq!(compare(&typed, &p).strength, Some(MatchStrength::Likely));
        }

        #[test]
        fn the_order_of_the_two_records_does_not_change_the_weight(a in details(), b in details()) {
            prop_assert!((compare(&a, &b).match_weight - compare(&b, &a).match_weight).abs() < 1e-9);
        }

        #[test]
        fn one_mistyped_letter_in_a_long_surname_still_finds_the_person(
            p in details(), surname in "[A-Z][a-z]{6,11}", at in 1usize..6,
        ) {
            let p = PersonDetails { surname, ..p };
            let mut typed = p.clone();
            let mut chars: Vec<char> = p.surname.chars().collect();
            chars[at] = if chars[at] == 'x' { 'q' } else { 'x' };
            typed.surname = chars.into_iter().collect();
            prop_assert_eq!(compare(&typed, &p).strength, Some(MatchStrength::Likely));
        }

        #[test]
        fn suggestions_are_ordered_likely_first_then_by_weight(candidate in details(), others in proptest::collection::vec(details(), 0..12)) {
            let found = suggest_matches(&candidate, others.iter().enumerate());
            prop_assert!(found.windows(2).all(|w| (w[0].strength, -w[0].comparison.match_weight) <= (w[1].strength, -w[1].comparison.match_weight)));
        }
    }
}
