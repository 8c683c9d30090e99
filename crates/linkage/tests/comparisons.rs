//! Specification of the comparison levels: for each field, which pairs of values reach which
//! level. Levels are checked strongest first, so each test also pins the order.

#![allow(clippy::unwrap_used, reason = "a test should stop loudly at the first surprise")]

use earlyhelp_linkage::BirthDate;
use earlyhelp_linkage::compare::{
    AddressLevel, DobLevel, ExactLevel, NameLevel, PostcodeLevel, compare_addresses, compare_dobs, compare_first_names,
    compare_identifiers, compare_postcodes, compare_sex, compare_surnames,
};
use earlyhelp_linkage::nickname::Nicknames;
use earlyhelp_linkage::record::normalise_identifier;
use earlyhelp_linkage::vocab::Vocabulary;
use proptest::prelude::*;

fn d(s: &str) -> Option<BirthDate> {
    Some(BirthDate::parse(s).unwrap())
}

#[test]
fn first_names_that_differ_only_in_case_and_punctuation_are_exact() {
    assert_eq!(compare_first_names("Mary-Jane", "MARY JANE"), Some(NameLevel::Exact));
}

#[test]
fn a_nickname_and_the_formal_name_are_nickname_equivalent() {
    assert_eq!(compare_first_names("Bob", "Robert"), Some(NameLevel::Nickname));
    assert_eq!(compare_first_names("Liz", "Elizabeth"), Some(NameLevel::Nickname));
    assert_eq!(compare_first_names("Bob", "Bobby"), Some(NameLevel::Nickname));
}

#[test]
fn two_nicknames_of_the_same_name_are_equivalent_but_of_different_names_are_not() {
    assert!(Nicknames::standard().equivalent("Liz", "Beth"));
    assert!(!Nicknames::standard().equivalent("Bob", "Liz"));
}

#[test]
fn a_shared_short_form_links_each_of_its_formal_names() {
    // "Alex" is short for Alexander and for Alexandra; each pairing is a nickname.
    assert_eq!(compare_first_names("Alex", "Alexander"), Some(NameLevel::Nickname));
    assert_eq!(compare_first_names("Alex", "Alexandra"), Some(NameLevel::Nickname));
}

#[test]
fn every_line_of_the_nickname_table_names_at_least_two_people() {
    let text = include_str!("../data/nicknames.txt");
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        assert!(line.split(',').filter(|n| !n.trim().is_empty()).count() >= 2, "{line}");
        assert_eq!(line, line.to_uppercase(), "names are written in capitals: {line}");
    }
    assert!(Nicknames::standard().len() >= 50);
}

#[test]
fn a_single_typo_in_a_longer_name_is_the_high_jaro_winkler_band() {
    assert_eq!(compare_first_names("Jonathan", "Jonathon"), Some(NameLevel::JaroWinklerHigh));
    assert_eq!(compare_surnames("Williamson", "Willaimson"), Some(NameLevel::JaroWinklerHigh));
}

#[test]
fn names_that_sound_alike_but_are_spelt_apart_share_a_phonetic_code() {
    assert_eq!(compare_first_names("Philip", "Filip"), Some(NameLevel::Phonetic));
    assert_eq!(compare_surnames("Smith", "Smyth"), Some(NameLevel::Phonetic));
    let v = Vocabulary::new();
    assert_eq!(v.phonetic_code("Catherine"), v.phonetic_code("Kathryn"));
}

#[test]
fn first_name_and_surname_written_the_other_way_round_are_swapped() {
    use earlyhelp_linkage::Record;
    use earlyhelp_linkage::compare::{Field, compare};
    let mut v = Vocabulary::new();
    let rec = |f: &str, s: &str| Record {
        first_name: f.into(),
        surname: s.into(),
        ..Record::default()
    };
    let (a, b) = (v.record(&rec("Jassim", "Rybak")), v.record(&rec("Rybak", "Jassim")));
    let c = compare(&v, &a, &b);
    assert_eq!(c.label(Field::FirstName), "swapped with surname");
    assert_eq!(c.label(Field::Surname), "swapped with first name");
}

#[test]
fn a_looser_likeness_is_the_low_jaro_winkler_band() {
    assert_eq!(compare_first_names("Martin", "Martha"), Some(NameLevel::JaroWinklerLow));
}

#[test]
fn unrelated_names_are_different() {
    assert_eq!(compare_first_names("Olivia", "George"), Some(NameLevel::Different));
    assert_eq!(compare_surnames("Patel", "Walker"), Some(NameLevel::Different));
}

#[test]
fn a_missing_name_is_no_evidence_either_way() {
    assert_eq!(compare_first_names("", "George"), None);
    assert_eq!(compare_surnames("Patel", " "), None);
}

#[test]
fn dates_of_birth_reach_each_level() {
    assert_eq!(compare_dobs(d("2012-03-04"), d("2012-03-04")), Some(DobLevel::Exact));
    assert_eq!(compare_dobs(d("2012-03-04"), d("2012-04-03")), Some(DobLevel::DayMonthSwapped));
    assert_eq!(compare_dobs(d("2012-03-04"), d("2012-03-07")), Some(DobLevel::OneDigit));
    assert_eq!(compare_dobs(d("2012-03-04"), d("2013-03-04")), Some(DobLevel::OneDigit));
    assert_eq!(compare_dobs(d("2009-03-04"), d("2010-03-04")), Some(DobLevel::YearOffByOne));
    assert_eq!(compare_dobs(d("2012-03-04"), d("1985-11-20")), Some(DobLevel::Different));
    assert_eq!(compare_dobs(None, d("1985-11-20")), None);
}

#[test]
fn the_same_day_and_month_are_not_a_swap() {
    assert_eq!(compare_dobs(d("2012-05-05"), d("2012-05-05")), Some(DobLevel::Exact));
    assert_eq!(compare_dobs(d("2012-05-05"), d("2014-05-05")), Some(DobLevel::OneDigit));
}

#[test]
fn postcodes_reach_each_level() {
    assert_eq!(compare_postcodes("NM4 2AB", "nm42ab"), Some(PostcodeLevel::Exact));
    assert_eq!(compare_postcodes("NM4 2AB", "NM4 2XY"), Some(PostcodeLevel::Sector));
    assert_eq!(compare_postcodes("NM4 2AB", "NM4 7AB"), Some(PostcodeLevel::District));
    assert_eq!(compare_postcodes("NM4 2AB", "QN1 2AB"), Some(PostcodeLevel::Different));
    assert_eq!(compare_postcodes("", "QN1 2AB"), None);
}

#[test]
fn postcodes_that_are_not_uk_shaped_compare_exactly_or_not_at_all() {
    assert_eq!(compare_postcodes("2615", "2615"), Some(PostcodeLevel::Exact));
    assert_eq!(compare_postcodes("2615", "2617"), Some(PostcodeLevel::Different));
}

#[test]
fn addresses_reach_each_level() {
    assert_eq!(compare_addresses("12 Oak Rd", "12 OAK ROAD"), Some(AddressLevel::Exact));
    assert_eq!(compare_addresses("Flat 2, 12 Oak Road", "12 Oak Road"), Some(AddressLevel::Overlap));
    assert_eq!(compare_addresses("12 Oak Road", "14 Oak Road"), Some(AddressLevel::Different));
    assert_eq!(compare_addresses("Rose Cottage", "Rose Cottage Farm"), Some(AddressLevel::Overlap));
    assert_eq!(compare_addresses("", "12 Oak Road"), None);
}

#[test]
fn identifiers_and_sex_are_exact_or_different() {
    let id = normalise_identifier;
    assert_eq!(compare_identifiers(id("943 476 5919"), id("9434765919")), Some(ExactLevel::Exact));
    assert_eq!(compare_identifiers(id("9434765919"), id("9434765870")), Some(ExactLevel::Different));
    assert_eq!(compare_identifiers(id(""), id("9434765870")), None);
    assert_eq!(compare_sex(Some(b'F'), Some(b'F')), Some(ExactLevel::Exact));
    assert_eq!(compare_sex(Some(b'F'), Some(b'M')), Some(ExactLevel::Different));
}

fn date() -> impl Strategy<Value = BirthDate> {
    (1920u16..2025, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| BirthDate::new(y, m, d).unwrap())
}

proptest! {
    #[test]
    fn every_date_compares_exactly_with_itself_and_prints_back(a in date()) {
        prop_assert_eq!(compare_dobs(Some(a), Some(a)), Some(DobLevel::Exact));
        prop_assert_eq!(BirthDate::parse(&a.to_string()).unwrap(), a);
    }

    #[test]
    fn date_comparison_is_symmetric(a in date(), b in date()) {
        prop_assert_eq!(compare_dobs(Some(a), Some(b)), compare_dobs(Some(b), Some(a)));
    }

    #[test]
    fn name_comparison_is_symmetric(a in "[A-Za-z]{1,10}", b in "[A-Za-z]{1,10}") {
        prop_assert_eq!(compare_first_names(&a, &b), compare_first_names(&b, &a));
        prop_assert_eq!(compare_surnames(&a, &b), compare_surnames(&b, &a));
    }

    #[test]
    fn a_name_is_exact_with_itself_in_any_case(a in "[A-Za-z]{1,12}") {
        prop_assert_eq!(compare_first_names(&a, &a.to_lowercase()), Some(NameLevel::Exact));
    }

    #[test]
    fn postcode_comparison_ignores_spacing(out in "[A-Z]{1,2}[0-9]{1,2}", inw in "[0-9][A-Z]{2}") {
        let spaced = format!("{out} {inw}");
        let packed = format!("{out}{inw}");
        prop_assert_eq!(compare_postcodes(&spaced, &packed), Some(PostcodeLevel::Exact));
    }
}
