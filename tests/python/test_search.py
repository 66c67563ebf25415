"""`narformer search` against an independent computation through the Python module: on
NAS-Bench-201 its pick is the most accurate predicted cell within the predicted latency budget
and its front is the Pareto front of its own candidates; on NAS-Bench-101 evolution scores only
shipped cells and ends among the best predicted of them, and under a budget of the shipped NB101
latencies picks the best predicted cell that fits; an ensemble of accuracy runs scores each cell
by the mean of their predictions; bad combinations are one clear error.

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
        cls.pruned = narformer.train("configs/nb201/smoke.yaml", quiet=True, overrides=dict(
            common, **{"train.epochs": 2, "run.name": "pruned",
                       "data.tokenizer.prune_dead": "true"}))["run_dir"]
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

    def test_a_latency_confidence_scales_predicted_latency_before_the_budget(self):
        latency = narformer.Predictor(self.latency).predict_cells(self.nb201)
        budget = float(np.percentile(latency, 25))
        found = search("--accuracy-run", self.accuracy, "--latency-run", self.latency,
                       "--max-latency-ms", str(budget), "--latency-confidence", "0.9",
                       "--out", os.path.join(self.work, "confidence"))
        calibration = found["latency_calibration"]
        self.assertEqual(calibration["confidence"], 0.9)
        self.assertEqual(calibration["validation_cells"], 200)
        factor = calibration["factor"]
        self.assertGreater(factor, 1.0)
        self.assertEqual(found["feasible"], int(np.sum(latency * factor <= budget)))
        self.assertLessEqual(found["top"][0]["predicted_latency_ms"] * factor, budget)

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

    def test_a_pruned_run_reads_dead_edges_as_none(self):
        # Node 1's output reaches only none edges: whatever its operation, the same cell.
        twins = [f"|{op}~0|+|skip_connect~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"
                 for op in ("nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect",
                            "none")]
        pruned = narformer.Predictor(self.pruned).predict_cells(twins)
        self.assertTrue(np.all(pruned == pruned[-1]), pruned)
        self.assertGreater(np.ptp(narformer.Predictor(self.accuracy).predict_cells(twins)), 0)
        cli = subprocess.run([NARFORMER, "predict", "--run", self.pruned, "--json", "--arch",
                              twins[0], "--arch", twins[1]], check=True, capture_output=True,
                             text=True).stdout
        for p in json.loads(cli)["predictions"]:
            self.assertAlmostEqual(p["accuracy"], pruned[0], places=6)
        # search --use-labels keeps each labelled cell's own label, not a pruned twin's.
        with open("data/nasbench201/arch_score_acc.csv") as f:
            valid = {row["cellstr"]: float(row["valid_top1"]) for row in csv.DictReader(f)}
        out = os.path.join(self.work, "pruned_labels")
        search("--accuracy-run", self.pruned, "--use-labels", "--out", out)
        rows = read_csv(os.path.join(out, "candidates.csv"))
        labelled = [r for r in rows if r["labelled"] == "1"]
        self.assertEqual(len(labelled), 400)
        for r in labelled:
            self.assertAlmostEqual(float(r["predicted_accuracy"]), 0.01 * valid[r["arch"]],
                                   places=5)

    def test_an_ensemble_scores_each_cell_by_the_mean_of_its_runs(self):
        first = narformer.Predictor(self.accuracy).predict_cells(self.nb201)
        second = narformer.Predictor(self.pruned).predict_cells(self.nb201)
        self.assertGreater(np.max(np.abs(first - second)), 1e-3)  # two different predictors
        mean = (first + second) / 2
        out = os.path.join(self.work, "ensemble")
        found = search("--accuracy-run", self.accuracy, "--accuracy-run", self.pruned, "--top",
                       "3", "--out", out)
        self.assertEqual(found["accuracy_ensemble"], [self.pruned])
        scored = {r["arch"]: r for r in read_csv(os.path.join(out, "candidates.csv"))}
        self.assertEqual(len(scored), 15625)
        # The CSV keeps 9 significant digits.
        np.testing.assert_allclose(
            [float(scored[a]["predicted_accuracy"]) for a in self.nb201], mean, rtol=1e-6)
        kept = np.array([scored[a]["isomorphic_copy"] == "0" for a in self.nb201])
        best = np.flatnonzero(kept)[np.argmax(mean[kept])]
        self.assertEqual(found["top"][0]["arch"], self.nb201[best])

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
        self.assertIn("--latency-confidence needs a latency run",
                      error("--accuracy-run", self.accuracy, "--latency-confidence", "0.9"))
        self.assertIn("must score the same space",
                      error("--accuracy-run", self.nb101, "--latency-run", self.latency))
        self.assertIn("config.yaml", error("--accuracy-run", self.work))
        self.assertIn("an ensemble scores one space",
                      error("--accuracy-run", self.accuracy, "--accuracy-run", self.nb101))
        self.assertIn("one label on one scale",
                      error("--accuracy-run", self.accuracy, "--accuracy-run", self.latency))


if __name__ == "__main__":
    unittest.main()
