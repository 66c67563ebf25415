#!/usr/bin/env python3
"""Markdown tables of finished runs, from their run folders (test_metrics.json, train.log).

    scripts/results_table.py families runs/in_domain          # one run, a row per family + overall
    scripts/results_table.py runs runs/leave_out_*            # a row per run (LOFO: the left-out family)
    scripts/results_table.py runs runs/gold_6226 runs/1080ti_1

Every number printed comes from the run folder; nothing is typed in by hand.
"""
import argparse
import json
import os
import re
import sys


def load(run):
    path = os.path.join(run, "test_metrics.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"results_table: {path}: {e}")


def training_time(run):
    """'12m03s' from train.log's 'trained N epochs in T (...)' line, '' when absent."""
    try:
        with open(os.path.join(run, "train.log")) as f:
            found = re.findall(r"trained \d+ epochs in (\S+)", f.read())
    except OSError:
        return ""
    return found[-1] if found else ""


def pct(x):
    return f"{100 * x:.2f} %"


def row(name, m, extra=()):
    return "| " + " | ".join([name, pct(m["mape"]), pct(m["acc_10"]), f"{m['kendall_tau']:.3f}", str(m["n"]), *extra]) + " |"


def families(runs):
    for run in runs:
        m = load(run)
        print(f"{run}: test set per family (training {training_time(run)})\n")
        print("| family | MAPE | Acc@10% | tau | n |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, fm in sorted(m.get("per_family", {}).items()):
            print(row(name, fm))
        print(row("**all**", m))
        print()


def runs_table(runs):
    print("| run | MAPE | Acc@10% | tau | n | training |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    mapes = []
    for run in runs:
        m = load(run)
        mapes.append(m["mape"])
        print(row(os.path.basename(os.path.normpath(run)), m, [training_time(run)]))
    if len(runs) > 1:
        print(f"| **mean of {len(runs)}** | {pct(sum(mapes) / len(mapes))} | | | | |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["families", "runs"])
    parser.add_argument("run", nargs="+", help="run folders")
    args = parser.parse_args()
    families(args.run) if args.kind == "families" else runs_table(args.run)


if __name__ == "__main__":
    main()
