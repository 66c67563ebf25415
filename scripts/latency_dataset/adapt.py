"""A pretrained latency predictor adapted to this machine: measure N networks here, fine-tune.

    /usr/bin/python3 scripts/adapt_device.py --pretrained latency_cpu --out runs/my_device \
        [--n 50] [--check 100] [--threads 2] [--batch-size 4] [--device cpu|cuda]

Steps, each resumable (run the same command again after an interruption):
  1. measure: the latency-dataset builder generates n + check networks across the families
     (seed 1 by default: other variants than the shipped set's seed 0, never a published
     network) and measures them with its calibrated protocol at this operating point (threads,
     batch size, device); gt.txt marks the check networks `test`. A share of them is measured a
     second time: the mean relative difference of the two passes is the device's noise floor.
     With --kernels K it also measures K single-operator kernels (kernels.py, nn-Meter's price
     list) at the same operating point, on the networks' calibration scale: what one kind of
     work costs here at many sizes, which n networks alone pin down poorly.
  2. three runs on the n measured networks (validation: a seeded 20 % of them), tested on the
     check networks, which none of them sees:
       finetune  the pretrained predictor as the start (train.init_from): the cost readout's
                 rates of each kind of work are refitted on the new measurements (the rescale),
                 then the learned correction is fine-tuned from the pretrained one (the
                 kernels, if measured, are extra training lines that also fit the rates);
       rescale   the pretrained predictions times the median measured / predicted ratio over
                 the training networks (model.kind rescale): the baseline to beat;
       scratch   the same model trained on the n networks (and the kernels) alone.
  3. adapt.json and a table: MAPE and Acc@10% on the check networks, against the noise floor.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time

from . import build as B
from . import families as F

RUNS = ("finetune", "rescale", "scratch")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="adapt_device.py", description=__doc__.split("\n")[0])
    p.add_argument("--pretrained", required=True, help="a latency predictor (narformer pretrained list)")
    p.add_argument("--out", required=True, help="folder for the measurements, runs and adapt.json")
    p.add_argument("--n", type=int, default=50, help="networks measured to adapt with")
    p.add_argument("--check", type=int, default=100, help="networks measured to check with")
    p.add_argument("--kernels", type=int, default=0,
                   help="single-operator kernels measured too, as extra training data (0: none)")
    p.add_argument("--families", default=",".join(F.FAMILIES),
                   help="comma-separated families the networks are drawn from")
    p.add_argument("--seed", type=int, default=1,
                   help="draws the networks (the shipped set is seed 0) and seeds the runs")
    p.add_argument("--device", default="cpu", help="where the networks run: cpu, cuda, cuda:N")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="intra-op threads the networks run with (the operating point)")
    p.add_argument("--batch-size", type=int, default=1, help="batch the networks run at")
    p.add_argument("--noise-fraction", type=float, default=0.2,
                   help="share of the networks measured twice, for the noise floor")
    p.add_argument("--measure-only", action="store_true",
                   help="stop after measuring (e.g. measure on a quiet machine now, train later: "
                        "the same command without it resumes)")
    p.add_argument("--epochs", type=int, default=30, help="fine-tuning and from-scratch epochs")
    p.add_argument("--lr", type=float, default=2e-4, help="fine-tuning learning rate")
    p.add_argument("--train-threads", type=int, default=0, help="threads of the three runs (0: all)")
    p.add_argument("--narformer", default=os.environ.get("NARFORMER", "build/narformer"),
                   help="the narformer executable")
    p.add_argument("--builder-arg", action="append", default=[],
                   help="extra argument for the builder, e.g. --builder-arg=--rounds=3")
    args = p.parse_args(argv)
    if args.n < 5 or args.check < 1:
        p.error("--n must be at least 5 (a fifth of them validates) and --check at least 1")
    if args.kernels < 0:
        p.error("--kernels must be 0 or more")
    return args


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(1)


def pretrained_folder(narformer, name):
    """The folder and manifest of the pretrained predictor `name`."""
    listed = subprocess.run([narformer, "pretrained", "list", "--json"], capture_output=True,
                            text=True)
    if listed.returncode != 0:
        fail(listed.stderr.strip() or f"{narformer} pretrained list failed")
    for item in json.loads(listed.stdout):
        if item["name"] == name:
            if item["task"] != "latency" or item["input"] != "onnx":
                fail(f"pretrained predictor '{name}' predicts {item['task']} of {item['input']}: "
                     "adapt needs an ONNX latency predictor")
            return item["dir"], item
    names = ", ".join(i["name"] for i in json.loads(listed.stdout)) or "none"
    fail(f"no pretrained predictor named '{name}' (there are: {names})")


def measure(args, data_dir, measurer=None, machine=None):
    """Step 1: the builder, sized so that about n networks train and `check` test."""
    families = [f for f in args.families.split(",") if f]
    total = args.n + args.check
    per_family = math.ceil(total / len(families))
    argv = ["--out", data_dir, "--per-family", str(per_family), "--families", ",".join(families),
            "--seed", str(args.seed), "--device", args.device, "--threads", str(args.threads),
            "--batch-size", str(args.batch_size),
            "--stage-test-fraction", f"{args.check / total:.6f}",
            "--noise-fraction", str(args.noise_fraction)] + args.builder_arg
    code = B.main(argv, measurer=measurer, machine=machine)
    if code:
        raise SystemExit(code)


def calibration_reference_ms(data_dir):
    """The networks' calibration reference (protocol.json), so that kernels share their scale."""
    path = os.path.join(data_dir, "protocol.json")
    try:
        with open(path) as f:
            platforms = json.load(f)["platforms"]
        return float(next(iter(platforms.values()))["calibration_reference_ms"])
    except (OSError, ValueError, KeyError, StopIteration, TypeError) as e:
        fail(f"{path}: no calibration reference of the measured networks ({e})")


def measure_kernels(args, kernels_dir, reference_ms, measurer=None, machine=None):
    """Step 1b: --kernels single operators at the same operating point, all of them training
    lines, labelled on the networks' calibration scale."""
    argv = ["--out", kernels_dir, "--per-family", str(args.kernels), "--families", "kernels",
            "--seed", str(args.seed), "--device", args.device, "--threads", str(args.threads),
            "--batch-size", str(args.batch_size), "--stage-test-fraction", "0",
            "--noise-fraction", "0", "--calibration-reference-ms", f"{reference_ms:.5f}"]
    code = B.main(argv + args.builder_arg, measurer=measurer, machine=machine)
    if code:
        raise SystemExit(code)


def train_run(args, name, config, runs_dir, sets):
    """One narformer run, skipped when it finished before, resumed when it stopped part-way."""
    run_dir = os.path.join(runs_dir, name)
    metrics = os.path.join(run_dir, "test_metrics.json")
    if not os.path.exists(metrics):
        start = "--resume" if os.path.exists(os.path.join(run_dir, "last.pt")) else "--overwrite"
        command = [args.narformer, "train", config, start]
        for s in sets + [f"run.dir={runs_dir}", f"run.name={name}"]:
            command += ["--set", s]
        print(f"adapt: {name}: {' '.join(command)}", file=sys.stderr, flush=True)
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            fail(f"the {name} run failed: {lines[-1] if lines else 'no message'} "
                 f"(log: {os.path.join(run_dir, 'train.log')})")
    with open(metrics) as f:
        return json.load(f)


def noise_floor(data_dir):
    """Mean relative difference between two measurements of the re-measured networks."""
    path = os.path.join(data_dir, "noise.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        noise = json.load(f)
    stats = next(iter(noise.values()), {}).get("label_rel_diff", {})
    return stats.get("mean")


# What a resumed --out must have been started with: anything else would mix measurements or
# keep runs trained on other data.
SETTINGS = ("pretrained", "n", "check", "kernels", "families", "seed", "device", "threads",
            "batch_size", "noise_fraction", "epochs", "lr", "builder_arg")


def check_settings(args):
    """Records the settings in OUT/settings.json, or refuses ones that differ from the record."""
    path = os.path.join(args.out, "settings.json")
    current = {k: getattr(args, k) for k in SETTINGS}
    if os.path.exists(path):
        with open(path) as f:
            recorded = json.load(f)
        changed = [f"--{k.replace('_', '-')} {recorded.get(k)!r} -> {current[k]!r}"
                   for k in SETTINGS if recorded.get(k) != current[k]]
        if changed:
            fail(f"{path}: {args.out} was started with other settings ({'; '.join(changed)}); "
                 "resume with the same ones or choose another --out")
    else:
        B._atomic_write(path, (json.dumps(current, indent=1) + "\n").encode())


def add_measuring_minutes(out, minutes):
    """Minutes spent measuring, summed over the calls that measured (OUT/timing.json)."""
    path = os.path.join(out, "timing.json")
    total = minutes
    if os.path.exists(path):
        with open(path) as f:
            total += json.load(f).get("measuring_min", 0.0)
    B._atomic_write(path, (json.dumps({"measuring_min": total}) + "\n").encode())
    return total


def main(argv=None, measurer=None, machine=None):
    args = parse_args(argv)
    started = time.time()
    folder, manifest = pretrained_folder(args.narformer, args.pretrained)
    data_dir = os.path.join(args.out, "data")
    runs_dir = os.path.join(args.out, "runs")
    os.makedirs(args.out, exist_ok=True)
    check_settings(args)

    measure(args, data_dir, measurer, machine)
    kernels_dir = os.path.join(args.out, "kernels")
    extra = []
    if args.kernels:
        measure_kernels(args, kernels_dir, calibration_reference_ms(data_dir), measurer, machine)
        extra = [f"data.extra_train=[{os.path.join(kernels_dir, 'gt.txt')}]",
                 "data.extra_train_fits_cost_model=true"]
    measured_at = time.time()
    measuring_min = add_measuring_minutes(args.out, (measured_at - started) / 60)
    if args.measure_only:
        print(f"adapt: measured in {measuring_min:.1f} min; run the same command "
              "without --measure-only to train and report", file=sys.stderr)
        return 0

    config = os.path.join(folder, "config.yaml")
    common = [f"data.path={os.path.join(data_dir, 'gt.txt')}", "data.protocol=stage",
              "data.extra_train=[]", "data.platforms=[]", "data.families=[]",
              "data.val_fraction=0.2", "data.train_limit=0", "eval.selection=mape",
              f"run.seed={args.seed}", f"run.threads={args.train_threads}"]
    results = {
        "finetune": train_run(args, "finetune", config, runs_dir, common + [
            f"train.init_from={folder}", f"train.epochs={args.epochs}", f"train.lr={args.lr}"]
            + extra),
        "rescale": train_run(args, "rescale", config, runs_dir, common + [
            "model.kind=rescale", f"train.init_from={folder}"]),
        "scratch": train_run(args, "scratch", config, runs_dir, common + [
            "train.init_from=", f"train.epochs={args.epochs}"] + extra),
    }
    floor = noise_floor(data_dir)
    report = {
        "pretrained": {"name": args.pretrained, "version": manifest["version"], "dir": folder},
        "operating_point": {"device": args.device, "threads": args.threads,
                            "batch_size": args.batch_size},
        "networks": {"adapt": args.n, "check": args.check, "kernels": args.kernels,
                     "seed": args.seed},
        "noise_floor_mape": floor,
        "minutes": {"measuring": measuring_min,
                    "total": measuring_min + (time.time() - measured_at) / 60},
        "check_set": {name: {"mape": r["mape"], "acc_10": r["acc_10"], "n": r["n"],
                             "kendall_tau": r["kendall_tau"]} for name, r in results.items()},
    }
    path = os.path.join(args.out, "adapt.json")
    B._atomic_write(path, (json.dumps(report, indent=1) + "\n").encode())

    print(f"{'run':<10} {'MAPE':>8} {'Acc@10%':>8} {'tau':>7}  (check set: {results['finetune']['n']} networks)")
    for name in RUNS:
        r = results[name]
        print(f"{name:<10} {100 * r['mape']:7.2f}% {100 * r['acc_10']:7.1f}% {r['kendall_tau']:7.3f}")
    if floor is not None:
        print(f"noise floor (mean relative difference of two measurements): {100 * floor:.2f} %")
    print(f"{report['minutes']['total']:.1f} min in all ({report['minutes']['measuring']:.1f} measuring); {path}")
    return 0
