#!/usr/bin/python3
"""Measures the latency of NAS-Bench-101 networks on this machine: a cell table that a latency
run trains on, so that `narformer search` over NB101 cells can take a latency objective.

  scripts/nb101_latency.py --out data/nb101_latency_cpu [--n 500] [--threads 2] [--rounds 3]

Draws --n cells (seeded) from the shipped table (data/nasbench101), builds each one's full
NAS-Bench-101 network for CIFAR-10 (scripts/latency_dataset/nb101.py: 128-channel stem, 3 x 3
cells, 32 x 32 input; its parameter count equals the table's trainable_parameters) and measures
it with the latency builder's protocol (scripts/latency_dataset/measure.py: interleaved
calibration, malloc keeping freed memory, re-measured when other processes used the CPU). A
second pass over a seeded 5 % gives the noise floor. Resumable: every measurement is appended
to <out>/measurements.jsonl; rerun the same command to continue. Writes <out>/nb101_latency.csv
(the shipped table's cell columns plus latency_ms = ratio x the calibration reference, the
median calibration time of pass 1) and <out>/protocol.json (machine, protocol, noise floor).
"""

import argparse
import csv
import hashlib
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from latency_dataset import measure  # noqa: E402
from latency_dataset.build import _append_line, _atomic_write, wait_until_quiet  # noqa: E402
from latency_dataset.nb101 import INPUT_SHAPE, NasBench101Network, parse_cell  # noqa: E402

TABLE = "data/nasbench101/nb101_tiga1231_30k_arch_valacc.csv"
CELL_COLUMNS = ["module_hash", "num_vertices", "adjacency_rowmajor", "ops", "trainable_parameters"]


def stable_int(*parts):
    """A seeded draw independent of Python's hash: all 64 bits (not the builder's _stable_int,
    which masks the top one), since this order chose the shipped table's cells."""
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "little")


def read_measurements(path):
    rows = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    try:
                        r = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a torn last line of an interrupted run
                    rows[(r["module_hash"], r["pass"])] = r
    return rows


def main(argv=None, measurer=None, machine=None, monitor=None):
    """Measures and writes the table; ``measurer`` / ``machine`` / ``monitor`` replace the real
    ones in tests (tests/scripts/test_nb101_network.py)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--table", default=TABLE)
    parser.add_argument("--n", type=int, default=500, help="cells to measure")
    parser.add_argument("--seed", type=int, default=0, help="which cells, and the noise subset")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--noise-fraction", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=measure.Protocol.rounds,
                        help="timed rounds per cell (the protocol's; fewer for large networks)")
    parser.add_argument("--max-busy", type=float, default=0.2,
                        help="re-measure when other processes used more cores than this")
    args = parser.parse_args(argv)

    if not os.path.isfile(args.table):
        raise SystemExit(f"{args.table}: not found")
    if args.n < 1:
        raise SystemExit(f"--n must be at least 1, got {args.n}")
    with open(args.table) as f:
        reader = csv.DictReader(f)
        missing = [c for c in CELL_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{args.table}: no column {', '.join(missing)}")
        cells = list(reader)
    order = sorted(cells, key=lambda c: stable_int(args.seed, "cell", c["module_hash"]))
    chosen = order[:args.n]
    for c in chosen:  # a bad cell is one clear line before anything is measured
        try:
            parse_cell(c["adjacency_rowmajor"], c["ops"])
        except ValueError as e:
            raise SystemExit(f"{args.table}: cell {c['module_hash']}: {e}") from None
    noise = sorted(chosen, key=lambda c: stable_int(args.seed, "noise", c["module_hash"]))
    noise = noise[:max(1, round(args.noise_fraction * len(chosen)))]

    os.makedirs(args.out, exist_ok=True)
    log = os.path.join(args.out, "measurements.jsonl")
    rows = read_measurements(log)
    if measurer is None:
        protocol = measure.Protocol(rounds=args.rounds)
        measure.setup_runtime("cpu", args.threads, protocol)
        measurer = measure.Measurer("cpu", protocol)
        machine = measure.machine_record("cpu", args.threads)
        monitor = measure.CpuMonitor()
    protocol = measurer.protocol
    # What the measurements mean; --n is not among them: cells are drawn in one seeded order,
    # so a larger --n extends a finished table.
    settings = {"table": os.path.basename(args.table), "seed": args.seed,
                "threads": args.threads, "batch_size": args.batch_size,
                "input": list(INPUT_SHAPE), "network": "NAS-Bench-101 CIFAR-10 network, "
                "128-channel stem, 3 stacks x 3 cells, random weights"}
    meta_path = os.path.join(args.out, "protocol.json")
    if rows and os.path.exists(meta_path):
        with open(meta_path) as f:
            old = json.load(f)
        if (not measure.same_platform(old["machine"], machine) or old["settings"] != settings
                or old["protocol"] != protocol.as_dict()):
            raise SystemExit(f"{args.out} was measured with other settings or on another machine "
                             f"({old['settings']}, {old['machine']['cpu_model']}); use another --out")
    else:  # what the measurements will belong to, before the first one is appended
        _atomic_write(meta_path, json.dumps({"settings": settings, "machine": machine,
                                             "protocol": protocol.as_dict()}, indent=1) + "\n")
    started = time.time()
    for pass_no, todo in ((1, chosen), (2, noise)):
        pending = [c for c in todo if (c["module_hash"], pass_no) not in rows]
        for i, c in enumerate(pending):
            matrix, ops = parse_cell(c["adjacency_rowmajor"], c["ops"])
            torch.manual_seed(stable_int(args.seed, "weights", c["module_hash"]) % 2**31)
            net = NasBench101Network(matrix, ops)
            while True:
                monitor and monitor.start()
                res = measurer.measure(net, INPUT_SHAPE, args.batch_size,
                                       seed=stable_int(args.seed, "input", c["module_hash"]) % 2**31)
                busy = monitor.stop() if monitor else None
                if busy is None or busy["others_cores"] <= args.max_busy or busy["others_ticks"] <= 2:
                    break
                print(f"  {c['module_hash']}: other processes used {busy['others_cores']:.2f} "
                      f"cores; measuring again when the machine is quiet", flush=True)
                wait_until_quiet(monitor, args.max_busy)
            row = {"module_hash": c["module_hash"], "pass": pass_no,
                   **{k: float(f"{res[k]:.6g}") for k in ("ratio", "ratio_mad_rel", "ms_median",
                                                         "ms_min", "cal_ms")}}
            _append_line(log, json.dumps(row))
            rows[(c["module_hash"], pass_no)] = row
            if (i + 1) % 20 == 0 or i + 1 == len(pending):
                eta = (time.time() - started) / (i + 1) * (len(pending) - i - 1)
                print(f"pass {pass_no}: {i + 1}/{len(pending)}  {row['ms_median']:.2f} ms  "
                      f"eta {eta / 60:.1f} min", flush=True)

    first = [rows[(c["module_hash"], 1)] for c in chosen]
    reference = statistics.median(r["cal_ms"] for r in first)
    diffs = [abs(rows[(c["module_hash"], 2)]["ratio"] / rows[(c["module_hash"], 1)]["ratio"] - 1)
             for c in noise]
    out_csv = os.path.join(args.out, "nb101_latency.csv")
    lines = [",".join(CELL_COLUMNS + ["latency_ms", "ratio_mad_rel", "ms_median"])]
    for c, r in zip(chosen, first):
        lines.append(",".join([c[k] for k in CELL_COLUMNS] + [
            f"{r['ratio'] * reference:.5g}", f"{r['ratio_mad_rel']:.4g}", f"{r['ms_median']:.5g}"]))
    _atomic_write(out_csv, "\n".join(lines) + "\n")
    meta = {"settings": settings, "cells": len(chosen), "machine": machine, "protocol": protocol.as_dict(),
            "calibration_reference_ms": reference,
            "noise": {"cells": len(noise), "mean_rel_diff": statistics.mean(diffs),
                      "median_rel_diff": statistics.median(diffs)},
            "latency_ms": {"min": min(r["ratio"] for r in first) * reference,
                           "median": statistics.median(r["ratio"] for r in first) * reference,
                           "max": max(r["ratio"] for r in first) * reference}}
    _atomic_write(meta_path, json.dumps(meta, indent=1) + "\n")
    print(f"{len(first)} cells in {out_csv}; latency {meta['latency_ms']['min']:.1f}-"
          f"{meta['latency_ms']['max']:.1f} ms (median {meta['latency_ms']['median']:.1f}); "
          f"noise floor over {len(noise)} cells: mean {100 * meta['noise']['mean_rel_diff']:.1f} %, "
          f"median {100 * meta['noise']['median_rel_diff']:.1f} %")


if __name__ == "__main__":
    sys.exit(main())
