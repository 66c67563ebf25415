"""`narformer search` against an independent computation through the Python module: on
NAS-Bench-201 its pick is the most accurate predicted cell within the predicted latency budget
and its front is the Pareto front of its own candidates; on NAS-Bench-101 evolution scores only
shipped cells and ends among the best predicted of them, and under a budget of the shipped NB101
latencies picks the best predicted cell that fits; bad combinations are one clear error.

Run by ctest with PYTHONPATH=<build>/python, NARFORMER=<build>/narformer and the repository as
the working directory. Trains four small runs first (~15 s on one core)."""

import csv
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

import narformer

NARFORMER = os.environ.get("NARFORMER", "build/narformer")


def search(*arguments):
    out = subprocess.run([NARFORMER, "search", "--json", *arguments], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise AssertionError(out.stderr)
    return json.loads(out.stdout)


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


class Search(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="narformer_search_")
        common = {"run.dir": cls.work, "run.threads": 1}
        cls.accuracy = narformer.train("configs/nb201/smoke.yaml", quiet=True, overrides=dict(
            common, **{"train.epochs": 2, "run.name": "accuracy"}))["run_dir"]
        cls.latency = narformer.train("configs/help/gold_6226.yaml", quiet=True, overrides=dict(
            common, **{"model.kind": "linear", "run.name": "latency"}))["run_dir"]
        cls.nb101 = narformer.train("configs/nb101/train_424.yaml", quiet=True, overrides=dict(
            common, **{"model.kind": "linear", "run.name": "nb101"}))["run_dir"]
        # The shipped NB101 latencies (data/nb101_latency_cpu), as a search objective.
        cls.nb101_latency = narformer.train("configs/nb101/latency_cpu.yaml", quiet=True,
                                            overrides=dict(common, **{
                                                "model.kind": "linear",
                                                "run.name": "nb101_latency"}))["run_dir"]
        with open("data/nasbench201/arch_score_acc.csv") as f:
            cls.nb201 = [row["cellstr"] for row in csv.DictReader(f)]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def test_nb201_pick_is_the_best_predicted_cell_within_the_budget(self):
        accuracy = narformer.Predictor(self.accuracy).predict_cells(self.nb201)
        latency = narformer.Predictor(self.latency).predict_cells(self.nb201)
        budget = float(np.percentile(latency, 25))
        out = os.path.join(self.work, "nb201")
        found = search("--accuracy-run", self.accuracy, "--latency-run", self.latency,
                       "--max-latency-ms", str(budget), "--top", "5", "--out", out)
        self.assertEqual(found["scored"], 15625)
        self.assertEqual(found["feasible"], int(np.sum(latency <= budget)))
        fits = np.flatnonzero(latency <= budget)
        best = fits[np.argmax(accuracy[fits])]
        self.assertEqual(found["top"][0]["arch"], self.nb201[best])
        self.assertAlmostEqual(found["top"][0]["predicted_accuracy"], accuracy[best], places=6)
        self.assertEqual(len(found["top"]), 5)
        ranked = [t["predicted_accuracy"] for t in found["top"]]
        self.assertEqual(ranked, sorted(ranked, reverse=True))
        for name in ("candidates.csv", "front.csv", "top.csv", "search.json", "front.gp"):
            self.assertTrue(os.path.isfile(os.path.join(out, name)), name)

        # Each network once: isomorphic copies (6,466 networks among the 15,625 cells) are
        # marked and never listed, and a copy never outscores the cell kept for its network.
        candidates = read_csv(os.path.join(out, "candidates.csv"))
        self.assertEqual(sum(r["isomorphic_copy"] == "0" for r in candidates), 6466)
        self.assertEqual(found["isomorphic_copies"], 15625 - 6466)
        copy = {r["arch"]: r["isomorphic_copy"] == "1" for r in candidates}
        self.assertFalse(any(copy[t["arch"]] for t in found["top"] + found["front"]))
        feasible_copies = [r for r in candidates if r["isomorphic_copy"] == "1" and r["feasible"] == "1"]
        self.assertGreater(len(feasible_copies), 0)
        self.assertLessEqual(max(float(r["predicted_accuracy"]) for r in feasible_copies),
                             found["top"][0]["predicted_accuracy"])

        # The front: no feasible candidate beats a front cell on both objectives, and every
        # feasible network off the front is matched or beaten by a front cell.
        rows = [r for r in candidates if r["feasible"] == "1" and r["isomorphic_copy"] == "0"]
        acc = np.array([float(r["predicted_accuracy"]) for r in rows])
        lat = np.array([float(r["predicted_latency_ms"]) for r in rows])
        front = np.array([r["on_front"] == "1" for r in rows])
        self.assertGreater(front.sum(), 1)
        for i in np.flatnonzero(front):
            self.assertFalse(np.any((acc > acc[i]) & (lat <= lat[i])))
        for i in np.flatnonzero(~front):
            self.assertTrue(np.any(front & (acc >= acc[i]) & (lat <= lat[i])))
        self.assertEqual(len(read_csv(os.path.join(out, "front.csv"))), int(front.sum()))

    def test_labelled_cells_are_scored_by_their_labels(self):
        # The smoke run trained on 300 cells and validated on 100 (holdout, data.label_scale
        # 0.01 of valid_top1): exactly those 400 carry their labels, the rest predictions.
        with open("data/nasbench201/arch_score_acc.csv") as f:
            valid = {row["cellstr"]: float(row["valid_top1"]) for row in csv.DictReader(f)}
        predicted = dict(zip(self.nb201,
                             narformer.Predictor(self.accuracy).predict_cells(self.nb201)))
        out = os.path.join(self.work, "labels")
        found = search("--accuracy-run", self.accuracy, "--use-labels", "--out", out)
        rows = read_csv(os.path.join(out, "candidates.csv"))
        labelled = [r for r in rows if r["labelled"] == "1"]
        self.assertEqual(len(labelled), 400)
        for r in labelled:
            self.assertAlmostEqual(float(r["predicted_accuracy"]), 0.01 * valid[r["arch"]],
                                   places=5)
        for r in rows[:200]:
            if r["labelled"] == "0":
                self.assertAlmostEqual(float(r["predicted_accuracy"]), predicted[r["arch"]],
                                       places=5)
        best_label = max(float(r["predicted_accuracy"]) for r in labelled)
        # The CSV rounds to 6 significant digits; the JSON keeps the double.
        self.assertGreaterEqual(found["top"][0]["predicted_accuracy"], best_label - 1e-6)

    def test_nb101_evolution_scores_only_shipped_cells_and_finds_good_ones(self):
        with open("data/nasbench101/nb101_tiga1231_30k_arch_valacc.csv") as f:
            shipped = [r["adjacency_rowmajor"] + " " + r["ops"] for r in csv.DictReader(f)]
        out = os.path.join(self.work, "nb101_search")
        found = search("--accuracy-run", self.nb101, "--cycles", "1000", "--seed", "3",
                       "--out", out)
        self.assertEqual(found["space"], "nb101")
        scored = [r["arch"] for r in read_csv(os.path.join(out, "candidates.csv"))]
        self.assertEqual(len(scored), found["scored"])
        self.assertEqual(len(set(scored)), len(scored))
        self.assertTrue(set(scored) <= set(shipped))
        self.assertGreater(len(scored), 100)  # beyond the initial population
        everything = narformer.Predictor(self.nb101).predict_cells(shipped)
        self.assertGreaterEqual(found["top"][0]["predicted_accuracy"],
                                np.percentile(everything, 99.5))
        again = search("--accuracy-run", self.nb101, "--cycles", "1000", "--seed", "3",
                       "--out", os.path.join(self.work, "again"))
        self.assertEqual(again["top"], found["top"])  # the seed fixes the search

    def test_nb101_evolution_under_a_latency_budget(self):
        with open("data/nasbench101/nb101_tiga1231_30k_arch_valacc.csv") as f:
            shipped = [r["adjacency_rowmajor"] + " " + r["ops"] for r in csv.DictReader(f)]
        latency = dict(zip(shipped, narformer.Predictor(self.nb101_latency).predict_cells(shipped)))
        budget = float(np.percentile(list(latency.values()), 25))
        out = os.path.join(self.work, "nb101_budget")
        found = search("--accuracy-run", self.nb101, "--latency-run", self.nb101_latency,
                       "--max-latency-ms", repr(budget), "--cycles", "500", "--seed", "1",
                       "--out", out)
        rows = read_csv(os.path.join(out, "candidates.csv"))
        # Every scored cell carries the latency run's prediction; feasible = within the budget.
        for r in rows:
            self.assertAlmostEqual(float(r["predicted_latency_ms"]), latency[r["arch"]],
                                   delta=1e-5 * latency[r["arch"]])
            self.assertEqual(r["feasible"] == "1", latency[r["arch"]] <= budget, r["arch"])
        feasible = [r for r in rows if r["feasible"] == "1"]
        self.assertGreater(len(feasible), 10)
        self.assertLess(len(feasible), len(rows))
        best = max(feasible, key=lambda r: float(r["predicted_accuracy"]))
        self.assertEqual(found["top"][0]["arch"], best["arch"])
        self.assertTrue(all(t["predicted_latency_ms"] <= budget for t in found["top"]))

    def test_bad_combinations_are_one_clear_error(self):
        def error(*arguments):
            out = subprocess.run([NARFORMER, "search", *arguments, "--out",
                                  os.path.join(self.work, "bad")], capture_output=True, text=True)
            self.assertNotEqual(out.returncode, 0)
            self.assertEqual(len(out.stderr.strip().splitlines()), 1, out.stderr)
            return out.stderr
        self.assertIn("needs a latency run",
                      error("--accuracy-run", self.accuracy, "--max-latency-ms", "5"))
        self.assertIn("must score the same space",
                      error("--accuracy-run", self.nb101, "--latency-run", self.latency))
        self.assertIn("config.yaml", error("--accuracy-run", self.work))



def function_of(arch):
    """What an NB201 cell computes, as a string: like the NB201 API's unique string, but a sum
    of zeros is zero (the API's keeps "#+#", so it tells some equal functions apart)."""
    ops = [item.split("~")[0] for stage in arch.split("+") for item in stage.strip("|").split("|")]
    inputs = {1: [(0, ops[0])], 2: [(0, ops[1]), (1, ops[2])],
              3: [(0, ops[3]), (1, ops[4]), (2, ops[5])]}
    nodes = {0: "x"}
    for j in (1, 2, 3):
        terms = [nodes[i] if op == "skip_connect" else f"({nodes[i]})@{op}"
                 for i, op in inputs[j] if op != "none" and nodes[i] != "0"]
        nodes[j] = "+".join(sorted(terms)) or "0"
    return nodes[3]


class PruneDead(unittest.TestCase):
    """scripts/search_eval.py's prune_dead (search_design.py --prune-dead) on NB201 cells."""

    @classmethod
    def setUpClass(cls):
        import sys  # noqa: PLC0415
        sys.path.insert(0, "scripts")
        import search_eval  # noqa: PLC0415
        cls.ev = search_eval
        cls.archs = [r["cellstr"] for r in read_csv("data/nasbench201/arch_score_acc.csv")]

    def test_dead_edges_become_none(self):
        prune = self.ev.prune_dead
        # Node 1's conv only feeds none edges: computed, never used.
        self.assertEqual(
            prune("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|skip_connect~0|none~1|"
                  "nor_conv_3x3~2|"),
            "|none~0|+|skip_connect~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|")
        # Nothing reaches node 1, so its pool and conv see zeros; node 2 feeds only a none edge.
        self.assertEqual(
            prune("|none~0|+|skip_connect~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|"
                  "none~2|"),
            "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
        live = ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
                "skip_connect~2|")
        self.assertEqual(prune(live), live)
        zero = "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"
        self.assertEqual(prune(zero), zero)  # an all-zero output is left as it is

    def test_pruning_keeps_every_cells_function(self):
        changed = 0
        for arch in self.archs:
            pruned = self.ev.prune_dead(arch)
            self.assertEqual(function_of(pruned), function_of(arch), arch)
            kept = [(a, b) for a, b in zip(pruned.split("|"), arch.split("|")) if a != b]
            self.assertTrue(all(a.startswith("none~") for a, _ in kept), arch)  # only removes
            self.assertEqual(self.ev.prune_dead(pruned), pruned)  # idempotent
            changed += pruned != arch
        self.assertEqual(len(self.archs), 15625)
        self.assertEqual(changed, 5840)


if __name__ == "__main__":
    unittest.main()
