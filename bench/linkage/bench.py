"""Runs both linkers on the same files and prints and saves the comparison table.

Called by `bench/linkage/run`; see there. Each linker runs under /usr/bin/time -v for wall
time and peak memory (maximum resident set size); accuracy comes from evaluate.py.
"""
import argparse
import csv
import json
import os
import platform
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable


def timed(cmd, log):
    with open(log, "w") as f:
        subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=f, stderr=subprocess.STDOUT, check=True)
    text = open(log).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return seconds, rss_kb / 1024.0


def evaluate(pairs, truth, left=None, right=None):
    cmd = [PY, os.path.join(HERE, "evaluate.py"), pairs, truth] + ([left, right] if left else [])
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--linker", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--register", type=int, default=1_000_000)
    ap.add_argument("--extract", type=int, default=250_000)
    ap.add_argument("--skip-splink-synthetic", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.data, exist_ok=True)
    os.makedirs(a.results, exist_ok=True)

    synth = os.path.join(a.data, f"synthetic_{a.register}x{a.extract}")
    if not os.path.exists(os.path.join(synth, "truth.csv")):
        subprocess.run([a.linker, "synth", "--register", str(a.register), "--extract", str(a.extract),
                        "--seed", "2026", "--out-dir", synth], check=True)
    febrl = os.path.join(a.data, "febrl4")
    if not os.path.exists(os.path.join(febrl, "truth.csv")):
        subprocess.run([PY, os.path.join(HERE, "prepare_febrl.py"), febrl], check=True)
    # FEBRL has no households, and its corruption swaps in whole new first names while
    # surname, date of birth and address agree: exactly a twin, to the household rule. The
    # FEBRL runs therefore switch the rule off, and are also reported with it on.
    no_households = os.path.join(a.data, "febrl_no_households.toml")
    with open(no_households, "w") as f:
        f.write("[linkage]\nhousehold_rules = false\n")

    cases = [
        (f"synthetic {a.register:,} x {a.extract:,}", synth + "/register.csv", synth + "/extract.csv",
         synth + "/truth.csv", None, True),
        ("FEBRL4 with SSN", febrl + "/left_ssn.csv", febrl + "/right_ssn.csv", febrl + "/truth.csv",
         no_households, False),
        ("FEBRL4 without SSN", febrl + "/left_nossn.csv", febrl + "/right_nossn.csv", febrl + "/truth.csv",
         no_households, False),
        ("FEBRL4 without SSN, household rule on", febrl + "/left_nossn.csv", febrl + "/right_nossn.csv",
         febrl + "/truth.csv", None, False),
    ]
    rows = []
    for name, left, right, truth, config, households in cases:
        for tool in ["earlyhelp", "splink"]:
            if tool == "splink" and "household rule on" in name:
                continue
            if tool == "splink" and households and a.skip_splink_synthetic:
                continue
            tag = re.sub(r"[^a-z0-9]+", "_", f"{name}_{tool}".lower())
            out = os.path.join(a.data, f"{tag}.csv")
            log = os.path.join(a.data, f"{tag}.log")
            if tool == "earlyhelp":
                cmd = [a.linker, "link", "--left", left, "--right", right, "--out", out]
                if config:
                    cmd += ["--config", config]
            else:
                cmd = [PY, os.path.join(HERE, "splink_link.py"), left, right, out]
            print(f"… {name}: {tool}", flush=True)
            seconds, mb = timed(cmd, log)
            m = evaluate(out, truth, left if households else None, right if households else None)
            rows.append({"data": name, "tool": tool, "wall_s": round(seconds, 2), "peak_mb": round(mb),
                         "precision": m["precision"], "recall": m["recall"], "f1": m["f1"],
                         "links": m["links"], "household_false_links": m["household_false_links"],
                         "household_false_share": m["household_false_share"]})
            print("   ", json.dumps(rows[-1]), flush=True)
            if tool == "splink":
                m = evaluate(out[:-4] + ".one_to_one.csv", truth, left if households else None,
                             right if households else None)
                rows.append(dict(rows[-1], tool="splink, one-to-one", precision=m["precision"],
                                 recall=m["recall"], f1=m["f1"], links=m["links"],
                                 household_false_links=m["household_false_links"],
                                 household_false_share=m["household_false_share"]))
                print("   ", json.dumps(rows[-1]), flush=True)

    with open(os.path.join(a.results, "linkage.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    lines = ["| data | tool | wall s | peak MB | precision | recall | F1 | household false links |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        hf = "—" if r["household_false_links"] is None else \
            f"{r['household_false_links']} ({100 * r['household_false_share']:.2f} %)"
        lines.append(f"| {r['data']} | {r['tool']} | {r['wall_s']} | {r['peak_mb']} | {r['precision']:.4f} | "
                     f"{r['recall']:.4f} | {r['f1']:.4f} | {hf} |")
    lines += ["", "| data | speed (Splink time / earlyhelp time) | memory (Splink / earlyhelp) | F1 difference |",
              "| --- | ---: | ---: | ---: |"]
    for name in dict.fromkeys(r["data"] for r in rows):
        e = next((r for r in rows if r["data"] == name and r["tool"] == "earlyhelp"), None)
        s = next((r for r in rows if r["data"] == name and r["tool"] == "splink"), None)
        if e and s:
            lines.append(f"| {name} | {s['wall_s'] / e['wall_s']:.1f}× | {s['peak_mb'] / e['peak_mb']:.1f}× | "
                         f"{e['f1'] - s['f1']:+.4f} |")
    table = "\n".join(lines)
    print()
    print(table)
    with open(os.path.join(a.results, "linkage-latest.md"), "w") as f:
        f.write(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores, "
                f"{platform.platform()}\n\n{table}\n")


if __name__ == "__main__":
    main()
