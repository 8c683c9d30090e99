"""Scores a pairs file against ground truth.

usage: evaluate.py PAIRS TRUTH [LEFT RIGHT]
PAIRS: left_id,right_id,... (one row per predicted link)
TRUTH: right_id,left_id (left_id empty when the right record is nobody on the left)
LEFT/RIGHT: the input files with a household_id column, to count household false links
(a predicted link between two different people of the same household).
Prints one JSON object: links, true_links, precision, recall, f1, household_false_links.
"""
import csv
import json
import sys


def main():
    pairs_path, truth_path = sys.argv[1], sys.argv[2]
    truth = set()
    with open(truth_path, newline="") as f:
        for row in csv.DictReader(f):
            if row["left_id"]:
                truth.add((row["left_id"], row["right_id"]))
    predicted = set()
    with open(pairs_path, newline="") as f:
        for row in csv.DictReader(f):
            predicted.add((row["left_id"], row["right_id"]))
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    household_false = None
    if len(sys.argv) > 4:
        def households(path):
            with open(path, newline="") as f:
                return {r["record_id"]: r.get("household_id") for r in csv.DictReader(f)}
        lh, rh = households(sys.argv[3]), households(sys.argv[4])
        household_false = sum(
            1 for (l, r) in predicted - truth if lh.get(l) is not None and lh.get(l) == rh.get(r)
        )
    print(json.dumps({
        "links": len(predicted), "true_links": len(truth), "true_positives": tp,
        "precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5),
        "household_false_links": household_false,
        "household_false_share": None if household_false is None or not predicted
        else round(household_false / len(predicted), 5),
    }))


if __name__ == "__main__":
    main()
