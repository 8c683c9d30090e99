"""Splink (DuckDB) on the same files and the same task as `earlyhelp link`.

usage: splink_link.py LEFT RIGHT OUT [--threshold 0.9]

A comparable model: the same four blocking rules (postcode; surname phonetic code + year of
birth; NHS number; first-name phonetic code + date of birth), Jaro-Winkler name levels with
term-frequency adjustment, Splink's date-of-birth and postcode comparisons, address, sex and
identifier levels, u from random pairs and m by EM in two sessions (blocked on postcode, then
on date of birth), as earlyhelp trains. DuckDB has no Double Metaphone, so the phonetic
blocking keys are jellyfish's Metaphone, computed here and counted in Splink's time.
Output: left_id,right_id,match_probability,match_weight, the best right record per left
record at or above the threshold, as earlyhelp writes it; and OUT with .one_to_one.csv in
place of .csv, the same scores with each record used at most once.
"""
import argparse
import logging

import jellyfish
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def load(path):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    keep = ["record_id", "first_name", "surname", "dob", "sex", "address_line", "postcode", "nhs_number"]
    df = df[[c for c in keep if c in df.columns]].copy()
    for c in keep:
        if c not in df.columns:
            df[c] = ""
    for c in ["first_name", "surname", "address_line", "postcode"]:
        df[c] = df[c].str.upper().str.strip()
    df["postcode"] = df["postcode"].str.replace(" ", "", regex=False)
    # Splink's postcode comparison expects a space before the inward code.
    df["postcode"] = df["postcode"].where(df["postcode"].str.len() < 5,
                                          df["postcode"].str[:-3] + " " + df["postcode"].str[-3:])
    df["nhs_number"] = df["nhs_number"].str.replace(r"\D", "", regex=True)
    df["surname_ph"] = [jellyfish.metaphone(s) if s else "" for s in df["surname"]]
    df["first_ph"] = [jellyfish.metaphone(s) if s else "" for s in df["first_name"]]
    df["dob_year"] = df["dob"].str[:4]
    return df.replace("", None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("left")
    ap.add_argument("right")
    ap.add_argument("out")
    ap.add_argument("--threshold", type=float, default=0.9)
    a = ap.parse_args()
    logging.getLogger("splink").setLevel(logging.WARNING)

    left, right = load(a.left), load(a.right)
    db = DuckDBAPI()
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_id",
        blocking_rules_to_generate_predictions=[
            block_on("postcode"),
            block_on("surname_ph", "dob_year"),
            block_on("nhs_number"),
            block_on("first_ph", "dob"),
        ],
        comparisons=[
            cl.NameComparison("first_name", jaro_winkler_thresholds=[0.92, 0.80]).configure(
                term_frequency_adjustments=True),
            cl.NameComparison("surname", jaro_winkler_thresholds=[0.92, 0.80]).configure(
                term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.PostcodeComparison("postcode"),
            cl.JaroWinklerAtThresholds("address_line", [0.9]),
            cl.ExactMatch("nhs_number"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    dfs = [db.register(left, dataset_display_name="a_left"), db.register(right, dataset_display_name="b_right")]
    linker = Linker(dfs, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=7)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    pred = linker.inference.predict(threshold_match_probability=a.threshold).as_pandas_dataframe()

    l_is_left = pred["source_dataset_l"] == "a_left"
    out = pd.DataFrame({
        "left_id": pred["record_id_l"].where(l_is_left, pred["record_id_r"]),
        "right_id": pred["record_id_r"].where(l_is_left, pred["record_id_l"]),
        "match_probability": pred["match_probability"],
        "match_weight": pred["match_weight"],
    })
    # Also a one-to-one reading of the same scores (greedy by weight, each record used once),
    # which spares Splink the household false links that several register relatives of one
    # extract person would otherwise each make; written beside OUT for the comparison table.
    ranked = out.sort_values(["match_weight", "left_id", "right_id"], ascending=[False, True, True])
    used_l, used_r, keep = set(), set(), []
    for i, l, r in zip(ranked.index, ranked["left_id"], ranked["right_id"]):
        if l not in used_l and r not in used_r:
            used_l.add(l)
            used_r.add(r)
            keep.append(i)
    ranked.loc[keep].to_csv(a.out[:-4] + ".one_to_one.csv", index=False, float_format="%.6f")
    out = out.sort_values(["left_id", "match_weight", "right_id"], ascending=[True, False, True])
    out = out.drop_duplicates("left_id")
    out.to_csv(a.out, index=False, float_format="%.6f")


if __name__ == "__main__":
    main()
