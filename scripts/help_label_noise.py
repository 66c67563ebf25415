#!/usr/bin/env python3
"""The label noise of each HELP device, from NAS-Bench-201 cells that run the same network.

    scripts/help_label_noise.py [--csv data/hw_latency_nb201/help_nb201_latency.csv] [DEVICE ...]

Two arch strings run the same network when they differ only in which of the two intermediate
nodes is called node 1 and which node 2: with `none` on the edge c1->c2 the two nodes are
interchangeable (both read c0, both feed c3), so |a~0|+|b~0|none~1|+|e~0|c~1|d~2| and
|b~0|+|a~0|none~1|+|e~0|d~1|c~2| execute the same operations on the same shapes. Their
measured latencies differ only by measurement noise. Per device this prints, over every such
group (pairs), the MAPE of the group mean as a prediction of each member: about what a
predictor that knew each network's true latency would score against these labels, so the
floor below which no predictor's MAPE can be trusted; and its median.
"""
import argparse
import csv
import statistics
import sys

DEFAULT_CSV = "data/hw_latency_nb201/help_nb201_latency.csv"


def edges(arch):
    """[op01, op02, op12, op03, op13, op23] from an arch string."""
    ops = [item.split("~")[0] for stage in arch.split("+") for item in stage.strip("|").split("|")]
    if len(ops) != 6:
        raise ValueError(f"not a NAS-Bench-201 arch string: {arch}")
    return ops


def canonical(arch):
    """The same key for arch strings that run the same network (see the module doc)."""
    op01, op02, op12, op03, op13, op23 = edges(arch)
    if op12 != "none":
        return arch
    a = (op01, op13)  # node 1: what reads c0, what feeds c3
    b = (op02, op23)  # node 2
    return (op03, tuple(sorted([a, b])))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("devices", nargs="*", help="columns (default: every device column)")
    parser.add_argument("--csv", default=DEFAULT_CSV)
    args = parser.parse_args()
    try:
        with open(args.csv) as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"help_label_noise: {args.csv}: {e}")
    devices = args.devices or [c for c in rows[0] if c not in ("arch_index", "arch_str")]
    groups = {}
    for r in rows:
        groups.setdefault(canonical(r["arch_str"]), []).append(r)
    groups = [g for g in groups.values() if len(g) > 1]
    members = sum(len(g) for g in groups)
    print(f"{len(groups)} groups of cells that run the same network ({members} of {len(rows)} cells)\n")
    print("| device | noise: MAPE of the group mean | median |")
    print("| --- | ---: | ---: |")
    for device in devices:
        errors = []
        for g in groups:
            ys = [float(r[device]) for r in g]
            mean = sum(ys) / len(ys)
            errors += [abs(mean / y - 1) for y in ys]
        print(f"| `{device}` | {100 * sum(errors) / len(errors):.2f} % | {100 * statistics.median(errors):.2f} % |")


if __name__ == "__main__":
    main()
