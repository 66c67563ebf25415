#!/usr/bin/python3
"""Predictions per second from Python (the narformer module) against the C++ command on the same
run, same backend (LibTorch-free), same machine, one thread:

  PYTHONPATH=build/python scripts/bench_python.py [--cells-run RUN] [--onnx-run RUN]

Rows: 1 cell per call (x 1,000 calls), 1,000 cells in one call, one ONNX file per call
(parse + shape inference + tokens + forward). The C++ figures are build/bench_model's
predict-cells and predict modes (TorchFreePredictor / LitePredictor in-process, the same calls
the module makes), best round of each. Goal (issue 19): overhead <= 10 % at 1,000 cells. Without --*-run it
trains small runs first (configs/nb201/smoke.yaml, 2 epochs; the shipped latency_cpu config,
1 epoch on 80 graphs) in a temporary folder.
"""

import argparse
import csv
import json
import os
import subprocess
import tempfile
import time

import narformer

BENCH_MODEL = os.environ.get("BENCH_MODEL", "build/bench_model")
ONNX_FILE = "tests/fixtures/onnx/torchvision/resnet18.onnx"


def cpu():
    model, flags = "unknown", ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model == "unknown":
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                have = set(line.split(":", 1)[1].split())
                flags = " ".join(x for x in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile")
                                 if x in have)
    return f"{model} [{flags}], {os.cpu_count()} cores"


def best_of(repeats, work):
    """The fastest of `repeats` timings of work() (noise here only ever adds time)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def cpp_rates(*arguments):
    """{figure name: best round's rate} of one bench_model call."""
    command = [BENCH_MODEL, *arguments, "--threads", "1", "--rounds", "3", "--seconds", "1"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return {f["what"]: f["max"] for f in map(json.loads, out.splitlines())}


def small_runs(folder):
    common = {"run.dir": folder, "run.threads": 1}
    cells = narformer.train("configs/nb201/smoke.yaml", quiet=True,
                            overrides=dict(common, **{"train.epochs": 2, "run.name": "cells"}))
    # 80 graphs of the shipped CPU latency set (every 25th line), the in-domain model's width.
    subset = os.path.join(folder, "gt.txt")
    with open("data/latency_cpu/gt.txt") as f:
        lines = f.readlines()[::25]
    with open(subset, "w") as f:
        for line in lines:
            fields = line.split()
            fields[1] = os.path.abspath(os.path.join("data/latency_cpu", fields[1]))
            f.write(" ".join(fields) + "\n")
    latency = narformer.train("configs/latency_cpu/in_domain.yaml", quiet=True, overrides=dict(
        common, **{"train.epochs": 1, "run.name": "latency", "data.path": subset,
                   "run.device": "cpu"}))
    return cells["run_dir"], latency["run_dir"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells-run")
    parser.add_argument("--onnx-run")
    args = parser.parse_args()
    with open("data/nasbench201/arch_score_acc.csv") as f:
        archs = [row["cellstr"] for row in csv.DictReader(f)][:1000]
    with tempfile.TemporaryDirectory(prefix="bench_python_") as folder:
        cells_run, onnx_run = args.cells_run, args.onnx_run
        if not cells_run or not onnx_run:
            trained = small_runs(folder)
            cells_run, onnx_run = cells_run or trained[0], onnx_run or trained[1]
        cells = narformer.Predictor(cells_run, threads=1)
        onnx = narformer.Predictor(onnx_run, threads=1)

        archs_file = os.path.join(folder, "archs.txt")
        with open(archs_file, "w") as f:
            f.write("\n".join(archs) + "\n")
        cpp_cells = cpp_rates("predict-cells", "--run", cells_run, "--archs", archs_file)
        cpp_onnx = cpp_rates("predict", "--run", onnx_run, "--onnx", ONNX_FILE)

        rows = []
        one_at_a_time = best_of(3, lambda: [cells.predict_cells(a) for a in archs])
        rows.append(("1 cell per call", len(archs) / one_at_a_time,
                     cpp_cells["predict 1 cell per call (TorchFreePredictor)"]))
        batch = best_of(5, lambda: cells.predict_cells(archs))
        rows.append(("1,000 cells per call", len(archs) / batch,
                     cpp_cells[f"predict {len(archs)} cells in one call (TorchFreePredictor)"]))
        files = [ONNX_FILE] * 20
        per_file = best_of(3, lambda: [onnx.predict_onnx(p) for p in files])
        rows.append(("1 ONNX file per call (resnet18)", len(files) / per_file,
                     cpp_onnx[f"predict in-process without LibTorch (LitePredictor): {ONNX_FILE}"]))

    print(f"CPU: {cpu()}; one thread; best of 3-5 timings")
    print(f"{'':34s} {'Python /s':>12s} {'C++ /s':>12s} {'overhead':>9s}")
    for name, python_rate, cpp_rate in rows:
        print(f"{name:34s} {python_rate:12.0f} {cpp_rate:12.0f} {100 * (cpp_rate / python_rate - 1):8.1f}%")


if __name__ == "__main__":
    main()
