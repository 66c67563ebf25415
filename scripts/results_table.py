#!/usr/bin/env python3
"""Markdown tables of finished runs, from their run folders (test_metrics.json, train.log).

    scripts/results_table.py families runs/in_domain          # one run, a row per family + overall
    scripts/results_table.py families runs/in_domain --beside runs/tables/latency_cpu/gbdt.in_domain.s*
    scripts/results_table.py runs runs/leave_out_*            # a row per run (LOFO: the left-out family)
    scripts/results_table.py runs runs/gold_6226 runs/1080ti_1
    scripts/results_table.py seeds runs/leave_out_* runs/seed1_leave_out_*   # runs of the same test family side by side

    scripts/results_table.py compare runs/tables/help/*       # narformer beside every baseline, over seeds
    scripts/results_table.py networks runs/tables/latency_cpu18/*.check_torchvision.s0   # per test network

`compare` reads folders named <kind>.<task>.s<seed> (scripts/baselines.sh writes them; narformer
runs of a table go beside them as narformer.<task>.s<seed>; variants as narformer_<name>, never counted as baselines): a row per task, a column per kind
with the mean ± standard deviation over its seeds of the metric the runs selected on
(eval.selection: MAPE or Kendall's tau), the best baseline chosen by its mean validation score
(never by test), and whether narformer wins against it: by more than the larger of the two
standard deviations.

`seeds` puts runs that test the same family (leave-family-out runs of several seeds or
settings) in one row: each run's MAPE, their mean, and the MAPE of their ensemble (the
geometric mean of the runs' predictions, matched by line id from predictions.csv).

`networks` puts each test network in a row (named by the `config.model` of the
architectures.jsonl beside its ONNX file when there is one, e.g. the published networks of
data/latency_cpu_torchvision) and each run's signed error in a column, (prediction - truth) /
truth, with the runs' MAPE as the last row: what a check set of named networks is read by.

Every number printed comes from the run folder; nothing is typed in by hand.
"""
import argparse
import csv
import json
import math
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


def families(runs, beside=()):
    """One run per family; `beside`: runs (e.g. a baseline's seeds) whose mean MAPE per family
    is printed in a last column."""
    others = [load(b) for b in beside]
    label = os.path.basename(os.path.normpath(beside[0])).split(".")[0] if beside else ""
    def other(family):
        xs = [o["per_family"][family]["mape"] if family else o["mape"] for o in others]
        m, sd = mean_std(xs)
        return [f"{100 * m:.2f} ± {100 * sd:.2f} %"]
    for run in runs:
        m = load(run)
        print(f"{run}: test set per family (training {training_time(run)})\n")
        print("| family | MAPE | Acc@10% | tau | n |" + (f" MAPE, {label} ({len(others)} seeds) |" if others else ""))
        print("| --- | ---: | ---: | ---: | ---: |" + (" ---: |" if others else ""))
        for name, fm in sorted(m.get("per_family", {}).items()):
            print(row(name, fm, other(name) if others else ()))
        print(row("**all**", m, other(None) if others else ()))
        print()


def runs_table(runs):
    metrics = [load(run) for run in runs]
    # Cost-readout runs also report their fitted linear cost model alone on the same test lines.
    linear = all("linear_cost_model" in m for m in metrics)
    print("| run | MAPE | Acc@10% | tau | n | training |" + (" MAPE, linear model alone |" if linear else ""))
    print("| --- | ---: | ---: | ---: | ---: | --- |" + (" ---: |" if linear else ""))
    for run, m in zip(runs, metrics):
        extra = [training_time(run)] + ([pct(m["linear_cost_model"]["mape"])] if linear else [])
        print(row(os.path.basename(os.path.normpath(run)), m, extra))
    if len(runs) > 1:
        mean = lambda xs: pct(sum(xs) / len(xs))  # noqa: E731
        print(f"| **mean of {len(runs)}** | {mean([m['mape'] for m in metrics])} | | | | |" +
              (f" {mean([m['linear_cost_model']['mape'] for m in metrics])} |" if linear else ""))


def predictions(run):
    """{line id: (truth, prediction)} from the run's predictions.csv."""
    path = os.path.join(run, "predictions.csv")
    try:
        with open(path) as f:
            rows = list(csv.DictReader(f))
        return {r["id"]: (float(r["latency_ms"]), float(r["prediction_ms"])) for r in rows}
    except (OSError, KeyError, ValueError) as e:
        sys.exit(f"results_table: {path}: {e}")


def seeds_table(runs):
    by_family = {}  # test family -> {setting: run}
    for run in runs:
        fams = list(load(run).get("per_family", {}))
        if len(fams) != 1:
            sys.exit(f"results_table: {run}: tests {len(fams)} families; seeds needs leave-family-out runs")
        setting = os.path.basename(os.path.normpath(run)).replace("leave_out_" + fams[0], "").strip("_") or "base"
        by_family.setdefault(fams[0], {})[setting] = run
    settings = sorted({s for runs_of in by_family.values() for s in runs_of})
    print("| left-out family | " + " | ".join(f"MAPE, {s}" for s in settings) + " | mean | ensemble |")
    print("| --- |" + " ---: |" * (len(settings) + 2))
    columns = {s: [] for s in settings + ["mean", "ensemble"]}
    for family in sorted(by_family):
        runs_of = by_family[family]
        if sorted(runs_of) != settings:
            sys.exit(f"results_table: {family}: runs for {sorted(runs_of)}, expected {settings}")
        mapes = [load(runs_of[s])["mape"] for s in settings]
        preds = [predictions(runs_of[s]) for s in settings]
        ids = sorted(preds[0])
        if any(sorted(p) != ids for p in preds):
            sys.exit(f"results_table: {family}: the runs predicted different lines")
        errors = []
        for i in ids:
            truth = preds[0][i][0]
            geometric = math.exp(sum(math.log(p[i][1]) for p in preds) / len(preds))
            errors.append(abs(geometric / truth - 1))
        ensemble = sum(errors) / len(errors)
        for s, m in zip(settings, mapes):
            columns[s].append(m)
        columns["mean"].append(sum(mapes) / len(mapes))
        columns["ensemble"].append(ensemble)
        print(f"| {family} | " + " | ".join(pct(m) for m in mapes) + f" | {pct(sum(mapes) / len(mapes))} | {pct(ensemble)} |")
    print(f"| **mean of {len(by_family)}** | " +
          " | ".join(pct(sum(columns[c]) / len(columns[c])) for c in settings + ["mean", "ensemble"]) + " |")


KIND_ORDER = ["narformer", "linear", "mlp", "gbdt"]


def mean_std(xs):
    m = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else 0.0
    return m, sd


def compare_table(runs, with_mean=False):
    groups = {}  # task -> kind -> [test_metrics]
    for run in runs:
        name = os.path.basename(os.path.normpath(run))
        match = re.fullmatch(r"(.+?)\.(.+)\.s(\d+)", name)
        if not match:
            sys.exit(f"results_table: {run}: compare needs folders named <kind>.<task>.s<seed>")
        if not os.path.exists(os.path.join(run, "test_metrics.json")):
            print(f"results_table: {run}: not finished, left out", file=sys.stderr)
            continue
        groups.setdefault(match.group(2), {}).setdefault(match.group(1), []).append(load(run))
    kinds = sorted({k for by_kind in groups.values() for k in by_kind},
                   key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER), k))
    first = next(iter(next(iter(groups.values())).values()))[0]
    metric = first.get("validation", {}).get("metric", "mape")
    lower = metric == "mape"
    fmt = (lambda m, sd: f"{100 * m:.2f} ± {100 * sd:.2f} %") if lower else (lambda m, sd: f"{m:.3f} ± {sd:.3f}")
    label = "MAPE" if lower else "Kendall's tau"
    print(f"{label}, mean ± std over seeds (the number of seeds in brackets where not 3); the best baseline is "
          "the one with the best mean validation score\n")
    print("| task | " + " | ".join(kinds) + " | best baseline (by validation) | narformer vs it |")
    print("| --- |" + " ---: |" * len(kinds) + " --- | --- |")
    column_means = {k: [] for k in kinds + ["best"]}
    natural = lambda t: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", t)]  # noqa: E731  n20 < n100
    for task in sorted(groups, key=natural):
        cells, stats = [], {}
        for kind in kinds:
            ms = groups[task].get(kind, [])
            if not ms:
                cells.append("")
                continue
            m, sd = mean_std([x[metric] for x in ms])
            val = [x.get("validation", {}).get("score") for x in ms]
            stats[kind] = (m, sd, sum(val) / len(val) if None not in val else None)
            column_means[kind].append(m)
            cells.append(fmt(m, sd) + ("" if len(ms) == 3 else f" ({len(ms)})"))
        baselines = [k for k in stats if not k.startswith("narformer") and stats[k][2] is not None]
        best = (min if lower else max)(baselines, key=lambda k: stats[k][2]) if baselines else None
        verdict = ""
        if best and "narformer" in stats:
            (nm, nsd, _), (bm, bsd, _) = stats["narformer"], stats[best]
            better = nm < bm if lower else nm > bm
            verdict = ("win" if better else "loss") if abs(nm - bm) > max(nsd, bsd) else "within the spread"
        if best:
            column_means["best"].append(stats[best][0])
        print(f"| {task} | " + " | ".join(cells) + f" | {best or ''} | {verdict} |")
    if with_mean and len(groups) > 1:
        mean = lambda xs: (f"{100 * sum(xs) / len(xs):.2f} %" if lower else f"{sum(xs) / len(xs):.3f}") if xs else ""  # noqa: E731
        print(f"| **mean of {len(groups)}** | " + " | ".join(mean(column_means[k]) for k in kinds) +
              f" | {mean(column_means['best'])} | |")


def network_names(onnx_paths):
    """{onnx path: published name} from the architectures.jsonl of each path's dataset folder
    (<dataset>/onnx/<family>/<file>.onnx), where its lines have a config.model; else the stem."""
    published = {}  # normalised onnx path -> config.model, over every listing read
    for listing in {os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(p))), "architectures.jsonl")
                    for p in onnx_paths}:
        try:
            with open(listing) as f:
                for line in f:
                    item = json.loads(line)
                    if "model" in item.get("config", {}):
                        published[os.path.normpath(os.path.join(os.path.dirname(listing), item["onnx"]))] = \
                            item["config"]["model"]
        except (OSError, ValueError, KeyError):
            pass
    return {p: published.get(os.path.normpath(p), os.path.splitext(os.path.basename(p))[0]) for p in onnx_paths}


def networks_table(runs):
    rows = {}  # line id -> (onnx path, truth, {run: prediction})
    for run in runs:
        path = os.path.join(run, "predictions.csv")
        try:
            with open(path) as f:
                for r in csv.DictReader(f):
                    entry = rows.setdefault(r["id"], [r["onnx_path"], float(r["latency_ms"]), {}])
                    entry[2][run] = float(r["prediction_ms"])
        except (OSError, KeyError, ValueError) as e:
            sys.exit(f"results_table: {path}: {e}")
    names = network_names([entry[0] for entry in rows.values()])
    print("| network | measured ms | " + " | ".join(os.path.basename(r) for r in runs) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in runs) + " |")
    for line_id in sorted(rows):
        path, truth, predicted = rows[line_id]
        cells = [f"{100 * (predicted[r] - truth) / truth:+.1f} %" if r in predicted else "" for r in runs]
        print(f"| {names[path]} | {truth:.2f} | " + " | ".join(cells) + " |")
    print("| **MAPE** | | " + " | ".join(pct(load(r)["mape"]) for r in runs) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["families", "runs", "seeds", "compare", "networks"])
    parser.add_argument("run", nargs="+", help="run folders")
    parser.add_argument("--mean", action="store_true", help="compare: a last row with each column's mean over tasks")
    parser.add_argument("--beside", nargs="+", default=[], help="families: runs whose mean MAPE per family is a last column")
    args = parser.parse_args()
    if args.kind == "compare":
        compare_table(args.run, args.mean)
    else:
        if args.kind == "families":
            families(args.run, args.beside)
        else:
            {"runs": runs_table, "seeds": seeds_table, "networks": networks_table}[args.kind](args.run)


if __name__ == "__main__":
    main()
