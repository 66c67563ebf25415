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

What a predictor that knew each network's true latency would score against these labels is the
mean |e| of the measurement noise e. The pairs only show differences d = e1 - e2, and
|e1 - e2| <= |e1| + |e2| makes half their mean |d| a lower bound on it for any noise (the
"pair" column). The noise here is heavy-tailed (most repeats agree within ~1 %, a few differ
by ~10 %), so the script also fits a two-Gaussian scale mixture for e to the pair differences
by maximum likelihood (d is then a mixture of three Gaussians) and reports that model's mean
|e| (the "floor" column): the MAPE below which no predictor of these labels can go.
"""
import argparse
import csv
import math
import statistics
import sys

import numpy as np

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


def mixture_nll(d, w, s1, s2):
    """-log likelihood of differences d = e1 - e2, e ~ w N(0, s1^2) + (1 - w) N(0, s2^2)."""
    components = [(w * w, 2 * s1 * s1), (2 * w * (1 - w), s1 * s1 + s2 * s2), ((1 - w) ** 2, 2 * s2 * s2)]
    p = sum(c * np.exp(-d * d / (2 * v)) / np.sqrt(2 * np.pi * v) for c, v in components)
    return -np.log(p + 1e-300).sum()


def noise_floor(d):
    """Mean |e| of the noise model fitted to the pair differences d (log ratios): a grid over
    (w, s1, s2 / s1), then two rounds of a finer grid around the best point."""
    ws = np.linspace(0.30, 0.995, 30)
    s1s = np.exp(np.linspace(np.log(0.001), np.log(0.08), 30))
    ks = np.exp(np.linspace(np.log(1.2), np.log(40.0), 20))
    for _ in range(3):
        best = min((mixture_nll(d, w, s1, s1 * k), w, s1, k) for w in ws for s1 in s1s for k in ks)
        _, w, s1, k = best
        ws = np.clip(np.linspace(w - (ws[1] - ws[0]), w + (ws[1] - ws[0]), 9), 0.0, 1.0)
        step = s1s[1] / s1s[0]
        s1s = s1 * np.exp(np.linspace(-np.log(step), np.log(step), 9))
        kstep = ks[1] / ks[0]
        ks = np.maximum(1.0, k * np.exp(np.linspace(-np.log(kstep), np.log(kstep), 9)))
    return math.sqrt(2 / math.pi) * (w * s1 + (1 - w) * s1 * k)


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
    print("| device | pair: MAPE of the group mean (lower bound) | median | floor: mean noise, fitted |")
    print("| --- | ---: | ---: | ---: |")
    for device in devices:
        errors = []
        differences = []
        for g in groups:
            ys = [float(r[device]) for r in g]
            mean = sum(ys) / len(ys)
            errors += [abs(mean / y - 1) for y in ys]
            if len(ys) == 2:
                differences.append(math.log(ys[0] / ys[1]))
        floor = noise_floor(np.array(differences))
        print(f"| `{device}` | {100 * sum(errors) / len(errors):.2f} % | {100 * statistics.median(errors):.2f} % "
              f"| {100 * floor:.2f} % |")


if __name__ == "__main__":
    main()
