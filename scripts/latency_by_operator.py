#!/usr/bin/env python3
"""Where a cost-readout run puts a family's latency, per operator type, as a share of the
measured latency: `narformer predict --per-node --json` over the family's lines of an NNLQP
gt.txt, summed per operator, divided by each graph's measured latency, averaged over graphs.

    scripts/latency_by_operator.py --run runs/in_domain --family efficientb0
    scripts/latency_by_operator.py --run runs/leave_out_efficientb0 --family efficientb0

Prints one line per run: the model's share per operator, with the fitted linear cost model's
share in brackets. Comparing a run that trained on the family with one that never saw it shows
which operators a left-out family's error comes from.
"""
import argparse
import collections
import json
import os
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="append", required=True, help="run folder (repeatable)")
    parser.add_argument("--family", required=True)
    parser.add_argument("--gt", default="data/latency_cpu/gt.txt")
    parser.add_argument("--stage", default="test", help="lines of this stage (train | test | all)")
    parser.add_argument("--narformer", default="build/narformer")
    args = parser.parse_args()

    root = os.path.dirname(args.gt)
    truth = {}
    try:
        with open(args.gt) as f:
            for line in f:
                p = line.split()
                if len(p) >= 7 and p[4] == args.family and args.stage in ("all", p[6]):
                    truth[os.path.join(root, p[1])] = float(p[3])
    except OSError as e:
        sys.exit(f"latency_by_operator: {args.gt}: {e}")
    if not truth:
        sys.exit(f"latency_by_operator: {args.gt}: no {args.stage} lines of family '{args.family}'")

    for run in args.run:
        done = subprocess.run([args.narformer, "predict", "--run", run, "--per-node", "--json", *truth],
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"latency_by_operator: {run}: {done.stderr.strip().splitlines()[-1]}")
        files = json.loads(done.stdout.strip().splitlines()[-1])["files"]
        model, prior = collections.Counter(), collections.Counter()
        for item in files:
            for node in item["nodes"]:
                model[node["op"]] += node["latency_ms"] / truth[item["file"]] / len(files)
                prior[node["op"]] += node["prior_ms"] / truth[item["file"]] / len(files)
        shares = ", ".join(f"{op} {model[op]:.3f} ({prior[op]:.3f})"
                           for op in sorted(model, key=lambda o: -model[o]) if model[op] >= 0.005)
        print(f"{run}: {len(files)} graphs; predicted / measured {sum(model.values()):.3f} "
              f"(linear model {sum(prior.values()):.3f})\n    {shares}")


if __name__ == "__main__":
    main()
