#!/usr/bin/python3
"""How good are the architectures `narformer search` finds? NAS-Bench-201 against its ground
truth: accuracy = test_top1 (CIFAR-10), latency = HELP's measurements on gold_6226 and 1080ti_1.

  PYTHONPATH=build/python scripts/search_eval.py [--labels 100 400 1000] [--seeds 0 1 2]
                                                 [--out results/search] [--accuracy-kind gbdt]
                                                 [--config configs/nb201/search.yaml]
  scripts/search_eval.py --table results/search/*/search_eval_*.json   # the README's table

For each device a latency run (configs/help/<device>.yaml, model.kind linear: the best HELP
predictor by validation on both devices, README); for each number of labelled architectures
N and seed an accuracy run (--config, default configs/nb201/search.yaml: 4 x 256, 300 epochs,
chosen on design seeds 100-102 by tau against valid_top1; holdout protocol with 0.8 N training
and 0.2 N validation cells, trained on valid_top1). Runs are kept in --runs and reused. Budgets: the 10th, 25th,
50th and 75th percentile of the device's measured latency. For each budget:
  search   `narformer search --max-latency-ms BUDGET`: its top pick
  labelled the best labelled cell (by its valid_top1 label) whose predicted latency fits
  random   N other random cells, the best of them (by valid_top1) whose predicted latency fits
  oracle   no predictor: the best of all cells by valid_top1 whose measured latency fits, the
           floor of any predictor trained on valid_top1 (valid_top1 and test_top1 disagree)
--accuracy-kind gbdt|linear|mlp searches with a baseline as the accuracy predictor instead;
KIND+KIND (e.g. narformer+gbdt) with both runs, each cell scored by the mean of their predictions.
--use-labels searches with `narformer search --use-labels`: the N labelled cells scored by their
own labels, the others by prediction (method "search+labels"; its own output file).
--latency-confidence P searches with `narformer search --latency-confidence P`: a cell fits when
its predicted latency times the P-quantile of measured / predicted over the latency run's
validation cells does; labelled and random apply the same factor (methods named "..., P";
its own output file).
Regret = true best test_top1 under the budget - the pick's test_top1, in points; a pick whose
measured latency breaks the budget is a failure (not in the regret). Without a budget, on
unique architectures (NAS-Bench-201's 6,466 classes of cells that compute the same function,
each scored by its members' mean test_top1 and measured latency): the share of the predicted
front's architectures (at most 20) on the true Pareto front, and the hypervolume of their true
points over the true front's (reference: lowest accuracy, highest latency). Writes
<out>/search_eval_<kind>[_labels].json and prints the table.
"""

import argparse
import csv
import json
import os
import subprocess
import tempfile

import numpy as np

import narformer

NARFORMER = os.environ.get("NARFORMER", "build/narformer")
DEVICES = ("gold_6226", "1080ti_1")
PERCENTILES = (10, 25, 50, 75)


def columns(path, *names):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [[row[n] for row in rows] for n in names]


def search(accuracy_runs, latency_run, out, budget=None, use_labels=False, confidence=0):
    """`narformer search` with these accuracy runs (more than one: the mean of their predictions)."""
    command = [NARFORMER, "search", "--json", "--latency-run", latency_run, "--out", out, "--top",
               "20", "--latency-confidence", repr(confidence)] + (["--use-labels"] if use_labels else [])
    for run in accuracy_runs:
        command += ["--accuracy-run", run]
    if budget is not None:
        command += ["--max-latency-ms", repr(budget)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def accuracy_run(config, kind, n, seed, runs, cells, extra=None, tag=""):
    """The accuracy run of N labelled cells (0.8 N training, 0.2 N validation, the other cells
    tested) for this seed and model.kind: its folder, trained unless it already finished.
    extra: more config overrides (the split stays the seed's); tag names the run."""
    stem = os.path.splitext(os.path.basename(config))[0] + tag
    run = os.path.join(runs, f"accuracy_{kind}_{stem}_n{n}_s{seed}")
    if not os.path.isfile(os.path.join(run, "test_metrics.json")):
        overrides = {"run.dir": runs, "run.threads": 1, "run.name": os.path.basename(run),
                     "run.seed": seed, "model.kind": kind, "data.n_train": n * 4 // 5,
                     "data.n_val": n - n * 4 // 5, "data.n_test": cells - n}
        overrides.update(extra or {})
        narformer.train(config, quiet=True, overwrite=True, overrides=overrides)
    return run


def unique_str(arch):
    """The same string for NB201 cells that compute the same function: the NAS-Bench-201 API's
    CellStructure.to_unique_str(consider_zero=True) (skip_connect is the identity, none and
    anything fed by a zero node is zero, sums are unordered); 6,466 of the 15,625 cells."""
    ops = [item.split("~")[0] for stage in arch.split("+") for item in stage.strip("|").split("|")]
    inputs = {1: [(0, ops[0])], 2: [(0, ops[1]), (1, ops[2])],
              3: [(0, ops[3]), (1, ops[4]), (2, ops[5])]}
    nodes = {0: "0"}
    for j in (1, 2, 3):
        terms = []
        for i, op in inputs[j]:
            if op == "none" or nodes[i] == "#":
                terms.append("#")
            elif op == "skip_connect":
                terms.append(nodes[i])
            else:
                terms.append(f"({nodes[i]})@{op}")
        nodes[j] = "+".join(sorted(terms))
    return nodes[3]


def pareto(acc, lat):
    """Indices on the front (higher accuracy, lower latency)."""
    order = np.lexsort((-acc, lat))
    front, best = [], -np.inf
    for i in order:
        if acc[i] > best:
            front.append(i)
            best = acc[i]
    return np.array(front)


def hypervolume(acc, lat, reference):
    """Area dominated by the points (acc, lat) above reference accuracy, below reference latency."""
    points = sorted(zip(lat, acc))
    area, best = 0.0, reference[0]
    edges = [p[0] for p in points[1:]] + [reference[1]]
    for (l, a), next_l in zip(points, edges):
        best = max(best, a)
        area += (next_l - l) * (best - reference[0])
    return area


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 400, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default="results/search")
    parser.add_argument("--runs", default="runs/search_eval")
    parser.add_argument("--config", default="configs/nb201/search.yaml",
                        help="the accuracy runs' config (data counts and seed are overridden)")
    parser.add_argument("--accuracy-kind", default="narformer",
                        help="model.kind of the accuracy runs (narformer, linear, mlp, gbdt), "
                             "or kinds joined by + for their mean (narformer+gbdt)")
    parser.add_argument("--use-labels", action="store_true",
                        help="search with the labelled cells' own labels (search --use-labels)")
    parser.add_argument("--latency-confidence", type=float, default=0,
                        help="search --latency-confidence P (0: off); the baselines use its factor")
    parser.add_argument("--table", nargs="+",
                        help="only print the table of these search_eval_*.json (merged)")
    args = parser.parse_args()
    if args.table:
        merged = {}
        for path in args.table:
            with open(path) as f:
                for r in json.load(f):  # the baselines' rows are the same in every file
                    merged[(r["device"], r["labels"], r["seed"], r["percentile"], r["method"])] = r
        return print_table(list(merged.values()))

    archs, test_top1, valid_top1 = columns("data/nasbench201/arch_score_acc.csv", "cellstr",
                                           "test_top1", "valid_top1")
    index = {a: i for i, a in enumerate(archs)}
    test_top1, valid_top1 = np.array(test_top1, float), np.array(valid_top1, float)
    keys = [unique_str(a) for a in archs]
    class_index = {k: c for c, k in enumerate(dict.fromkeys(keys))}
    class_of = np.array([class_index[k] for k in keys])
    members = np.bincount(class_of)
    class_top1 = np.bincount(class_of, test_top1) / members
    help_archs, *measured = columns("data/hw_latency_nb201/help_nb201_latency.csv", "arch_str",
                                    *DEVICES)
    order = np.array([index[a] for a in help_archs])
    true_latency = {}
    for device, values in zip(DEVICES, measured):
        lat = np.empty(len(archs))
        lat[order] = np.array(values, float)
        true_latency[device] = lat

    common = {"run.dir": args.runs, "run.threads": 1}
    searcher = "search+labels" if args.use_labels else "search"
    confidence = args.latency_confidence
    risk = f"P {confidence:g}" if confidence else ""

    def method_name(method):
        # e.g. "search (narformer, P 0.9)", "labelled (P 0.9)"; oracle reads measured latency: no P
        if method == "search":
            return f"{searcher} ({', '.join(filter(None, [args.accuracy_kind, risk]))})"
        return f"{method} ({risk})" if risk and method != "oracle" else method

    results = []
    for device in DEVICES:
        latency_run = {"run_dir": os.path.join(args.runs, f"latency_{device}")}
        # Trained unless it finished before: two evaluations side by side share it, and one
        # must not delete it under the other's searches.
        if not os.path.isfile(os.path.join(latency_run["run_dir"], "test_metrics.json")):
            latency_run = narformer.train(f"configs/help/{device}.yaml", quiet=True, overwrite=True,
                                          overrides=dict(common, **{"model.kind": "linear",
                                                                    "run.name": f"latency_{device}"}))
        predicted_latency = narformer.Predictor(latency_run["run_dir"]).predict_cells(archs)
        truth_lat = true_latency[device]
        class_lat = np.bincount(class_of, truth_lat) / members
        true_front = pareto(class_top1, class_lat)
        reference = (class_top1.min(), class_lat.max())
        true_hv = hypervolume(class_top1[true_front], class_lat[true_front], reference)
        budgets = {p: float(np.percentile(truth_lat, p)) for p in PERCENTILES}
        for n in args.labels:
            for seed in args.seeds:
                runs = [accuracy_run(args.config, kind, n, seed, args.runs, len(archs))
                        for kind in args.accuracy_kind.split("+")]
                run = runs[0]  # the runs share the seed's split: the same labelled cells
                tested = {index[a] for a in columns(os.path.join(run, "predictions.csv"), "arch")[0]}
                labelled = np.array(sorted(set(range(len(archs))) - tested))
                rng = np.random.default_rng(1000 + seed)
                drawn = rng.choice(len(archs), size=n, replace=False)
                with tempfile.TemporaryDirectory() as folder:
                    free = search(runs, latency_run["run_dir"], folder, use_labels=args.use_labels,
                                  confidence=confidence)
                    factor = free.get("latency_calibration", {}).get("factor", 1.0)
                    # The predicted front's architectures, isomorphic copies once.
                    returned = list(dict.fromkeys(class_of[index[c["arch"]]] for c in free["front"]))
                    if len(returned) > 20:
                        returned = [returned[int(k)] for k in np.linspace(0, len(returned) - 1, 20)]
                    returned = np.array(returned)
                    share = float(np.isin(returned, true_front).mean())
                    hv = hypervolume(class_top1[returned], class_lat[returned], reference) / true_hv
                    for p, budget in budgets.items():
                        found = search(runs, latency_run["run_dir"], folder, budget, args.use_labels,
                                       confidence)
                        best_true = test_top1[truth_lat <= budget].max()
                        picks = {"search": index[found["top"][0]["arch"]] if found["top"] else None}
                        for method, pool in (("labelled", labelled), ("random", drawn)):
                            fits = pool[predicted_latency[pool] * factor <= budget]
                            picks[method] = int(fits[np.argmax(valid_top1[fits])]) if len(fits) else None
                        fits = np.flatnonzero(truth_lat <= budget)
                        picks["oracle"] = int(fits[np.argmax(valid_top1[fits])])
                        for method, pick in picks.items():
                            failed = pick is None or truth_lat[pick] > budget
                            results.append({
                                "device": device, "labels": n, "seed": seed, "percentile": p,
                                "budget_ms": budget,
                                "method": method_name(method),
                                "arch": None if pick is None else archs[pick], "failed": bool(failed),
                                "regret": None if failed else best_true - test_top1[pick],
                                "front_share": share, "hypervolume_ratio": hv})
                print(f"{device} N={n} seed={seed}: front share {share:.2f}, "
                      f"hypervolume {hv:.3f}", flush=True)

    os.makedirs(args.out, exist_ok=True)
    suffix = ("_labels" if args.use_labels else "") + (f"_p{confidence:g}" if confidence else "")
    path = os.path.join(args.out, f"search_eval_{args.accuracy_kind}{suffix}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(results, f, indent=1)
    os.replace(path + ".tmp", path)
    print_table(results)


def print_table(results):
    print("\nregret in points of test_top1 (mean / worst over seeds; F = picks over budget)")
    print("| device | labels | method | p10 | p25 | p50 | p75 | front share | HV ratio |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    keys = sorted({(r["device"], r["labels"], r["method"]) for r in results},
                  key=lambda k: (k[0], k[1], k[2] != "oracle", not k[2].startswith("labelled"),
                                 not k[2].startswith("random"), k[2]))
    for device, n, method in keys:
        cells = []
        rows = [r for r in results if (r["device"], r["labels"], r["method"]) == (device, n, method)]
        for p in PERCENTILES:
            at = [r for r in rows if r["percentile"] == p]
            regrets = [r["regret"] for r in at if not r["failed"]]
            failures = sum(r["failed"] for r in at)
            text = f"{np.mean(regrets):.2f} / {max(regrets):.2f}" if regrets else "-"
            cells.append(text + (f" ({failures} F)" if failures else ""))
        extra = ["", ""]
        if method.startswith("search"):
            seeds = {r["seed"]: r for r in rows}
            extra = [f"{np.mean([r['front_share'] for r in seeds.values()]):.2f}",
                     f"{np.mean([r['hypervolume_ratio'] for r in seeds.values()]):.3f}"]
        print(f"| {device} | {n} | {method} | " + " | ".join(cells) + " | " + " | ".join(extra) + " |")


if __name__ == "__main__":
    main()
