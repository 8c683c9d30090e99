//! Specification of the model: training, the household rule, explanations, thresholds and
//! the CSV batch.

#![allow(clippy::unwrap_used, reason = "a test should stop loudly at the first surprise")]

use earlyhelp_linkage::batch::{BatchConfig, Columns, link_files, read_side_from};
use earlyhelp_linkage::compare::{FIELD_COUNT, FIELDS, Field, compare};
use earlyhelp_linkage::model::{HouseholdRule, probability_of, weight_of};
use earlyhelp_linkage::synth::{Spec, generate};
use earlyhelp_linkage::train::{Training, count_patterns, expectation_maximisation, level_distribution};
use earlyhelp_linkage::vocab::Vocabulary;
use earlyhelp_linkage::{BirthDate, Decision, Linkage, Record, Settings, Thresholds};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

fn quick_settings() -> Settings {
    Settings {
        training: Training {
            u_pairs: 200_000,
            em_sample: 5_000,
            ..Training::default()
        },
        ..Settings::default()
    }
}

fn person(id: &str, first: &str, surname: &str, dob: &str, sex: &str, address: &str, postcode: &str) -> Record {
    Record {
        record_id: id.into(),
        first_name: first.into(),
        surname: surname.into(),
        dob: (!dob.is_empty()).then(|| BirthDate::parse(dob).unwrap()),
        sex: sex.into(),
        address_line: address.into(),
        postcode: postcode.into(),
        nhs_number: String::new(),
    }
}

/// A synthetic town to train on, plus the named register records appended at its end.
fn town_with(register: Vec<Record>, extract: Vec<Record>) -> (Linkage, usize, usize) {
    let data = generate(Spec::new(8_000, 2_000, 11));
    let mut left: Vec<Record> = data.register.into_iter().map(|s| s.record).collect();
    let mut right: Vec<Record> = data.extract.into_iter().map(|s| s.record).collect();
    let (l0, r0) = (left.len(), right.len());
    left.extend(register);
    right.extend(extract);
    (Linkage::from_records(&left, &right, quick_settings()), l0, r0)
}

#[test]
fn em_recovers_known_m_and_lambda_from_simulated_comparisons() {
    // Given comparison vectors drawn from known m and u for three fields, 5 % matches,
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (m, u) = ([0.85, 0.1, 0.05], [0.01, 0.09, 0.9]);
    let draw = |p: &[f64; 3], rng: &mut ChaCha8Rng| {
        let x: f64 = rng.random();
        if x < p[0] {
            0
        } else if x < p[0] + p[1] {
            1
        } else {
            2
        }
    };
    let vectors: Vec<_> = (0..200_000)
        .map(|_| {
            let is_match = rng.random_bool(0.05);
            let p = if is_match { &m } else { &u };
            let mut c = [u8::MAX; FIELD_COUNT];
            for f in [Field::Postcode, Field::Address, Field::Identifier] {
                let l = draw(p, &mut rng);
                c[f.index()] = if f == Field::Identifier { u8::from(l > 0) } else { l };
            }
            earlyhelp_linkage::compare::Comparison(c)
        })
        .collect();
    let patterns = count_patterns(vectors);
    // and u as a random-pair sample would give it (here: the true u),
    let mut true_u: Vec<Vec<f64>> = FIELDS
        .iter()
        .map(|f| vec![1.0 / f.levels().len() as f64; f.levels().len()])
        .collect();
    true_u[Field::Postcode.index()] = vec![u[0], u[1], u[2] / 2.0, u[2] / 2.0];
    true_u[Field::Address.index()] = u.to_vec();
    true_u[Field::Identifier.index()] = vec![u[0], 1.0 - u[0]];
    let mut estimate = [false; FIELD_COUNT];
    estimate[Field::Address.index()] = true;
    estimate[Field::Identifier.index()] = true;
    // when EM runs with u held fixed,
    let result = expectation_maximisation(&patterns, &true_u, estimate, 500, 1e-9);
    // then it finds the share of matches and m of each estimated field.
    assert!((result.lambda - 0.05).abs() < 0.005, "lambda {}", result.lambda);
    let got = &result.m[Field::Address.index()];
    for (g, want) in got.iter().zip(m) {
        assert!((g - want).abs() < 0.03, "address m {got:?}");
    }
    assert!((result.m[Field::Identifier.index()][0] - 0.85).abs() < 0.03);
}

#[test]
fn training_on_generated_data_finds_the_true_m_and_u() {
    // Given a generated register and extract whose true pairs are known,
    let data = generate(Spec::new(20_000, 5_000, 3));
    let left: Vec<Record> = data.register.iter().map(|s| s.record.clone()).collect();
    let right: Vec<Record> = data.extract.iter().map(|s| s.record.clone()).collect();
    // when the model is trained without them,
    let linkage = Linkage::from_records(&left, &right, quick_settings());
    let model = linkage.model();
    // then m matches the share of each level among the true pairs,
    let mut v = Vocabulary::new();
    let l: Vec<_> = left.iter().map(|r| v.record(r)).collect();
    let r: Vec<_> = right.iter().map(|r| v.record(r)).collect();
    let truth = count_patterns(
        data.truth
            .iter()
            .enumerate()
            .filter_map(|(ri, t)| t.map(|li| compare(&v, &l[li], &r[ri]))),
    );
    let empirical = level_distribution(&truth).u;
    for f in [Field::FirstName, Field::Surname, Field::Dob, Field::Postcode] {
        let (got, want) = (model.m[f.index()][0], empirical[f.index()][0]);
        assert!((got - want).abs() < 0.05, "{}: m(exact) {got:.3}, truly {want:.3}", f.label());
    }
    // u of exact date of birth is about one in the number of distinct birthdays,
    let u_dob = model.u[Field::Dob.index()][0];
    assert!(u_dob > 1e-5 && u_dob < 1e-3, "u(dob exact) {u_dob}");
    // and the estimated number of matches is near the 4 000 there are.
    let n = linkage.training().estimated_matches;
    assert!((3_200.0..4_800.0).contains(&n), "estimated {n} matches");
}

#[test]
fn a_clean_record_of_the_same_person_links() {
    let (linkage, l0, r0) = town_with(
        vec![person("L1", "Robert", "Okonjo", "2011-06-14", "M", "3 Quarry Lane", "ZZ9 1AB")],
        vec![person("R1", "Bob", "Okonjo", "2011-06-14", "M", "3 Quarry Ln", "ZZ9 1AB")],
    );
    let e = linkage.explain(l0, r0);
    assert_eq!(e.decision, Decision::Link, "{e:#?}");
    assert_eq!(e.household_rule, None);
}

#[test]
fn twins_with_different_names_are_not_linked() {
    // Given twins at one address, only one of them on the register,
    let (linkage, l0, r0) = town_with(
        vec![person("L1", "Amelia", "Okonjo", "2015-02-09", "F", "3 Quarry Lane", "ZZ9 1AB")],
        vec![person("R1", "Grace", "Okonjo", "2015-02-09", "F", "3 Quarry Lane", "ZZ9 1AB")],
    );
    // when the other twin turns up in an extract, she is not linked to her sister.
    let e = linkage.explain(l0, r0);
    assert_eq!(e.household_rule, Some(HouseholdRule::DifferentFirstNameInHousehold));
    assert_eq!(e.decision, Decision::NoLink);
}

#[test]
fn a_parent_and_child_who_share_a_name_are_not_linked() {
    let (linkage, l0, r0) = town_with(
        vec![
            person("L1", "Daniel", "Okonjo", "1984-07-30", "M", "3 Quarry Lane", "ZZ9 1AB"),
            person("L2", "Daniel", "Okonjo", "2012-01-17", "M", "3 Quarry Lane", "ZZ9 1AB"),
        ],
        vec![person("R1", "Daniel", "Okonjo", "2012-01-17", "M", "3 Quarry Lane", "ZZ9 1AB")],
    );
    let father = linkage.explain(l0, r0);
    assert_eq!(father.household_rule, Some(HouseholdRule::DifferentDobInHousehold));
    assert_eq!(father.decision, Decision::NoLink);
    assert_eq!(linkage.explain(l0 + 1, r0).decision, Decision::Link);
    let best: Vec<_> = linkage.best_links().into_iter().filter(|p| p.right as usize == r0).collect();
    assert_eq!(best.len(), 1);
    assert_eq!(best[0].left as usize, l0 + 1, "the child is the link, not the father");
}

#[test]
fn a_twin_whose_extract_row_has_no_surname_is_not_linked() {
    let (linkage, l0, r0) = town_with(
        vec![person("L1", "Hugo", "Okonjo", "2015-02-09", "M", "3 Quarry Lane", "ZZ9 1AB")],
        vec![person("R1", "Zainab", "", "2015-02-09", "F", "3 Quarry Lane", "ZZ9 1AB")],
    );
    let e = linkage.explain(l0, r0);
    assert_eq!(e.household_rule, Some(HouseholdRule::DifferentFirstNameInHousehold));
    assert_eq!(e.decision, Decision::NoLink);
}

#[test]
fn a_mother_with_another_surname_who_shares_her_daughters_first_name_is_not_linked() {
    let (linkage, l0, r0) = town_with(
        vec![person("L1", "Lily", "Okonjo", "2019-09-13", "F", "3 Quarry Lane", "ZZ9 1AB")],
        vec![person("R1", "Lily", "Adebayo", "1991-12-03", "F", "3 Quarry Lane", "ZZ9 1AB")],
    );
    let e = linkage.explain(l0, r0);
    assert_eq!(e.household_rule, Some(HouseholdRule::DifferentDobInHousehold));
    assert_eq!(e.decision, Decision::NoLink);
}

#[test]
fn a_sibling_at_the_same_address_is_not_linked() {
    let (linkage, l0, r0) = town_with(
        vec![person("L1", "Harry", "Okonjo", "2010-05-02", "M", "3 Quarry Lane", "ZZ9 1AB")],
        vec![person("R1", "Poppy", "Okonjo", "2013-09-21", "F", "3 Quarry Lane", "ZZ9 1AB")],
    );
    assert_eq!(linkage.explain(l0, r0).decision, Decision::NoLink);
}

#[test]
fn same_address_and_surname_alone_never_link() {
    // Given a record with no first name and no date of birth at a register person's address,
    let (linkage, l0, r0) = town_with(
        vec![person("L1", "Harry", "Okonjo", "2010-05-02", "M", "3 Quarry Lane", "ZZ9 1AB")],
        vec![person("R1", "", "Okonjo", "", "M", "3 Quarry Lane", "ZZ9 1AB")],
    );
    // then however rare the surname, nothing links them.
    let e = linkage.explain(l0, r0);
    assert_eq!(e.household_rule, Some(HouseholdRule::NoPersonLevelEvidence));
    assert_eq!(e.decision, Decision::NoLink);
}

#[test]
fn an_explanation_adds_up_to_the_match_weight() {
    let data = generate(Spec::new(3_000, 800, 5));
    let left: Vec<Record> = data.register.iter().map(|s| s.record.clone()).collect();
    let right: Vec<Record> = data.extract.iter().map(|s| s.record.clone()).collect();
    let linkage = Linkage::from_records(&left, &right, quick_settings());
    for (r, t) in data.truth.iter().enumerate().take(300) {
        let l = t.unwrap_or(r % left.len());
        let e = linkage.explain(l, r);
        let sum: f64 =
            e.prior_weight + e.contributions.iter().map(|c| c.weight + c.term_frequency_adjustment).sum::<f64>() + e.household_adjustment;
        assert!((sum - e.match_weight).abs() < 1e-9);
        assert_eq!(e.contributions.len(), FIELD_COUNT);
        assert!((linkage.score(l, r).weight - e.match_weight).abs() < 1e-9);
    }
}

#[test]
fn a_common_surname_agreeing_is_worth_less_than_a_rare_one() {
    let (linkage, l0, r0) = town_with(
        vec![
            person("L1", "Harry", "Smith", "1990-05-02", "M", "", ""),
            person("L2", "Harry", "Quennevais", "1990-05-02", "M", "", ""),
        ],
        vec![
            person("R1", "Harry", "Smith", "1990-05-02", "M", "", ""),
            person("R2", "Harry", "Quennevais", "1990-05-02", "M", "", ""),
        ],
    );
    let surname = |l, r| {
        let e = linkage.explain(l, r);
        let c = &e.contributions[Field::Surname.index()];
        c.weight + c.term_frequency_adjustment
    };
    assert!(surname(l0 + 1, r0 + 1) > surname(l0, r0) + 2.0);
}

#[test]
fn thresholds_split_link_review_and_no_link() {
    let t = Thresholds { upper: 0.9, lower: 0.5 };
    assert_eq!(t.decide(0.95), Decision::Link);
    assert_eq!(t.decide(0.9), Decision::Link);
    assert_eq!(t.decide(0.7), Decision::Review);
    assert_eq!(t.decide(0.1), Decision::NoLink);
}

const CSV_LEFT: &str = "record_id,first_name,surname,dob,sex,address_line,postcode,nhs_number,extra\n\
L1,Robert,Okonjo,2011-06-14,M,\"3 Quarry Lane, Upper Town\",ZZ9 1AB,,x\n\
L2,Amelia,Okonjo,2015-02-09,F,\"3 Quarry Lane, Upper Town\",ZZ9 1AB,,x\n\
L3,Harriet,Quennevais,1979-12-01,F,8 Mill Road,ZZ9 4CD,9434765919,y\n";
const CSV_RIGHT: &str = "record_id,first_name,surname,dob,sex,address_line,postcode,nhs_number\n\
X1,Bob,Okonjo,2011-06-14,M,3 Quarry Ln,ZZ91AB,\n\
X2,Grace,Okonjo,2015-02-09,F,3 Quarry Lane,ZZ9 1AB,\n\
X3,Hattie,Quennevais,1979-01-12,,,,943 476 5919\n\
X4,Nobody,Atall,not a date,,1 Far Street,QQ1 1QQ,\n";

#[test]
fn csv_columns_are_read_by_name_and_bad_dates_count_as_missing() {
    let mut v = Vocabulary::new();
    let side = read_side_from(CSV_RIGHT.as_bytes(), Path::new("right.csv"), &Columns::default(), &mut v).unwrap();
    assert_eq!(side.ids, ["X1", "X2", "X3", "X4"]);
    assert_eq!(side.invalid_dates, 1);
}

#[test]
fn a_file_without_the_id_column_is_refused_by_name() {
    let mut v = Vocabulary::new();
    let err = read_side_from("id,name\n1,A\n".as_bytes(), Path::new("x.csv"), &Columns::default(), &mut v).unwrap_err();
    assert!(err.to_string().contains("record_id"), "{err}");
}

#[test]
fn other_column_names_come_from_the_linkage_table_of_the_config() {
    let config = BatchConfig::from_toml(
        "database_url = \"sqlite://x.db\"\n[linkage.columns]\nrecord_id = \"id\"\nfirst_name = \"given\"\n[linkage.thresholds]\nupper = 0.95\nlower = 0.6\n",
    )
    .unwrap();
    assert_eq!(config.columns.record_id, "id");
    assert_eq!(config.settings().thresholds.upper, 0.95);
    assert!(BatchConfig::from_toml("[linkage]\nnot_a_setting = 1\n").is_err());
}

#[test]
fn csv_round_trip_writes_the_best_right_record_per_left_record() {
    // Given a register and an extract as CSV files, padded with a generated town to train on,
    let dir = std::env::temp_dir().join(format!("earlyhelp-linkage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = generate(Spec::new(8_000, 2_000, 9));
    let mut left = CSV_LEFT.to_owned();
    let mut right = CSV_RIGHT.to_owned();
    for s in &data.register {
        left.push_str(&csv_row(&s.record, ",z\n"));
    }
    for s in &data.extract {
        right.push_str(&csv_row(&s.record, "\n"));
    }
    let (lp, rp, out) = (dir.join("left.csv"), dir.join("right.csv"), dir.join("pairs.csv"));
    std::fs::write(&lp, left).unwrap();
    std::fs::write(&rp, right).unwrap();
    let config = BatchConfig::with_settings(quick_settings());
    // when they are linked,
    let summary = link_files(&lp, &rp, &out, &config).unwrap();
    // then the output has the promised header and one row per linked left record,
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("left_id,right_id,match_probability,match_weight"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), summary.links);
    let mut lefts: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    lefts.sort_unstable();
    lefts.dedup();
    assert_eq!(lefts.len(), rows.len(), "at most one right record per left record");
    // Robert is Bob, Harriet (swapped date, same NHS number) is Hattie, Amelia is not Grace.
    let pair = |l: &str| rows.iter().find(|r| r[0] == l).map(|r| r[1]);
    assert_eq!(pair("L1"), Some("X1"));
    assert_eq!(pair("L3"), Some("X3"));
    assert_eq!(pair("L2"), None);
    for r in &rows {
        let p: f64 = r[2].parse().unwrap();
        assert!(p >= config.thresholds.upper);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn csv_row(r: &Record, end: &str) -> String {
    format!(
        "{},{},{},{},{},\"{}\",{},{}{end}",
        r.record_id,
        r.first_name,
        r.surname,
        r.dob.map(|d| d.to_string()).unwrap_or_default(),
        r.sex,
        r.address_line,
        r.postcode,
        r.nhs_number
    )
}

#[test]
fn the_generator_is_deterministic_in_its_seed() {
    assert_eq!(generate(Spec::new(500, 100, 4)), generate(Spec::new(500, 100, 4)));
    assert_ne!(generate(Spec::new(500, 100, 4)), generate(Spec::new(500, 100, 5)));
}

#[test]
fn the_generator_puts_household_members_who_are_not_on_the_register_in_the_extract() {
    let data = generate(Spec::new(5_000, 1_000, 8));
    let households: std::collections::HashSet<u32> = data.register.iter().map(|s| s.household).collect();
    let relatives = data
        .extract
        .iter()
        .zip(&data.truth)
        .filter(|(e, t)| t.is_none() && households.contains(&e.household))
        .count();
    assert!(relatives >= 50, "{relatives} household members off the register");
    assert_eq!(data.truth.iter().filter(|t| t.is_some()).count(), 800);
}

fn level(f: Field) -> impl Strategy<Value = u8> {
    prop_oneof![Just(u8::MAX), 0..f.levels().len() as u8]
}

proptest! {
    #[test]
    fn without_person_level_agreement_no_comparison_vector_escapes_the_household_rule(
        surname in level(Field::Surname),
        sex in level(Field::Sex),
        postcode in level(Field::Postcode),
        address in level(Field::Address),
        first_missing in any::<bool>(),
        dob_missing in any::<bool>(),
        id_missing in any::<bool>(),
    ) {
        // Given first name and date of birth each missing or different, and no agreeing
        // identifier, whatever the surname and address say,
        let last = |f: Field| f.levels().len() as u8 - 1;
        let mut c = [u8::MAX; FIELD_COUNT];
        c[Field::FirstName.index()] = if first_missing { u8::MAX } else { last(Field::FirstName) };
        c[Field::Dob.index()] = if dob_missing { u8::MAX } else { last(Field::Dob) };
        c[Field::Identifier.index()] = if id_missing { u8::MAX } else { 1 };
        c[Field::Surname.index()] = surname;
        c[Field::Sex.index()] = sex;
        c[Field::Postcode.index()] = postcode;
        c[Field::Address.index()] = address;
        // then the household rule refuses the pair.
        let rule = earlyhelp_linkage::model::household_rule(&earlyhelp_linkage::compare::Comparison(c));
        prop_assert_eq!(rule, Some(HouseholdRule::NoPersonLevelEvidence));
    }

    #[test]
    fn weight_and_probability_are_inverse(w in -25.0f64..25.0) {
        prop_assert!((weight_of(probability_of(w)) - w).abs() < 1e-6);
    }
}
