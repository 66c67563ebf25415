#!/usr/bin/python3
"""Design of `narformer search`'s accuracy predictor on design seeds, never on test_top1.

  PYTHONPATH=build/python scripts/search_design.py [--labels 100] [--seeds 100 101 102]

For each number of labelled cells N and design seed: the accuracy runs of scripts/search_eval.py
(configs/nb201/search.yaml for narformer, the trees with the same data section; same run names
and folder, so they are reused), and an ensemble of the two (the mean of their predictions,
both on valid_top1's scale, and the mean of their ranks). Scored against NAS-Bench-201's
valid_top1, the label they train on, on the cells that are not labelled:
  tau      Kendall's tau of the predictions
  regret   at the 10th, 25th, 50th and 75th percentile of HELP's measured gold_6226 latency,
           the best valid_top1 within the budget minus that of the predicted best cell within
           it (measured latency, so that only the accuracy predictor is judged), in points
--prune-dead true|false overrides the config's data.tokenizer.prune_dead (cells read with their
dead edges set to none, the NAS-Bench-201 API's zero semantics; same rows, same splits) and
names the runs *_pruned / *_unpruned; without it the config decides.
test_top1 is not read: the reported seeds (0-2) and test_top1 are for scripts/search_eval.py.
"""

import argparse
import os

import numpy as np

import narformer
from search_eval import PERCENTILES, accuracy_run, columns


def kendall_tau(a, b):
    """Tau-b, counting discordant pairs as inversions (no scipy in Debian's minimal set)."""
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    n = len(a)
    # Discordant pairs = inversions of b in a-order (ties in a broken by b: not counted).
    inversions = count_inversions(b.tolist())
    pairs = n * (n - 1) / 2
    ties_a = sum(c * (c - 1) / 2 for c in np.unique(a, return_counts=True)[1])
    ties_b = sum(c * (c - 1) / 2 for c in np.unique(b, return_counts=True)[1])
    _, joint = np.unique(np.stack([a, b]), axis=1, return_counts=True)
    ties_ab = sum(c * (c - 1) / 2 for c in joint)
    concordant_minus_discordant = pairs - ties_a - ties_b + ties_ab - 2 * inversions
    return concordant_minus_discordant / np.sqrt((pairs - ties_a) * (pairs - ties_b))


def count_inversions(values):
    if len(values) < 2:
        return 0
    middle = len(values) // 2
    left, right = values[:middle], values[middle:]
    count = count_inversions(left) + count_inversions(right)
    left_sorted, right_sorted = sorted(left), sorted(right)
    j = 0
    for x in left_sorted:  # pairs (x in left, y in right) with y < x
        while j < len(right_sorted) and right_sorted[j] < x:
            j += 1
        count += j
    return count


def ranks(x):
    r = np.empty(len(x))
    r[np.argsort(x, kind="stable")] = np.arange(len(x))
    return r / (len(x) - 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=int, nargs="+", default=[100])
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102])
    parser.add_argument("--runs", default="runs/search_eval")
    parser.add_argument("--config", default="configs/nb201/search.yaml")
    parser.add_argument("--prune-dead", choices=("true", "false"),
                        help="override data.tokenizer.prune_dead (default: the config's)")
    args = parser.parse_args()

    archs, valid_top1 = columns("data/nasbench201/arch_score_acc.csv", "cellstr", "valid_top1")
    valid_top1 = np.array(valid_top1, float)
    index = {a: i for i, a in enumerate(archs)}
    help_archs, measured = columns("data/hw_latency_nb201/help_nb201_latency.csv", "arch_str",
                                   "gold_6226")
    latency = np.empty(len(archs))
    latency[[index[a] for a in help_archs]] = np.array(measured, float)
    budgets = [float(np.percentile(latency, p)) for p in PERCENTILES]
    extra, tag = {}, ""
    if args.prune_dead:
        extra = {"data.tokenizer.prune_dead": args.prune_dead}
        tag = "_pruned" if args.prune_dead == "true" else "_unpruned"

    print("| labels | seed | predictor | tau (valid_top1) | " +
          " | ".join(f"regret p{p}" for p in PERCENTILES) + " |")
    print("| ---: | ---: | --- | ---: |" + " ---: |" * len(PERCENTILES))
    for n in args.labels:
        for seed in args.seeds:
            predictions = {}
            for kind in ("narformer", "gbdt"):  # the same seed: the same split
                run = accuracy_run(args.config, kind, n, seed, args.runs, len(archs), extra, tag)
                predictions[kind] = narformer.Predictor(run).predict_cells(archs)
            tested = np.array(sorted(int(i) for i in
                                     columns(os.path.join(run, "predictions.csv"), "index")[0]))
            predictions["mean"] = (predictions["narformer"] + predictions["gbdt"]) / 2
            predictions["rank mean"] = (ranks(predictions["narformer"]) +
                                        ranks(predictions["gbdt"])) / 2
            for method, predicted in predictions.items():
                tau = kendall_tau(predicted[tested], valid_top1[tested])
                regrets = []
                for budget in budgets:
                    fits = tested[latency[tested] <= budget]
                    pick = fits[np.argmax(predicted[fits])]
                    regrets.append(valid_top1[fits].max() - valid_top1[pick])
                print(f"| {n} | {seed} | {method} | {tau:.3f} | " +
                      " | ".join(f"{r:.2f}" for r in regrets) + " |", flush=True)


if __name__ == "__main__":
    main()
