#!/usr/bin/env -S /usr/bin/python3
"""Tests of scripts/adapt_device.py (scripts/latency_dataset/adapt.py) on tiny data.

A tiny latency predictor is trained on fake measurements (the builder's FakeMeasurer from
test_latency_builder.py: no timing, so the test does not depend on the machine's load), packed
as a pretrained predictor, and adapted to a "device" three times slower. Needs NARFORMER (the
built CLI) and Debian's python3-torch / -torchvision / -onnx; exit 77 (skipped) without them.
"""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, HERE)

try:
    from test_latency_builder import MACHINE, FakeMeasurer  # noqa: E402
except unittest.SkipTest as missing:  # no python3-torch / -torchvision / -onnx
    print(f"SKIPPED: {missing}")
    sys.exit(77)

from latency_dataset import adapt as A  # noqa: E402
from latency_dataset import build as B  # noqa: E402

NARFORMER = os.path.abspath(os.environ.get("NARFORMER", os.path.join(ROOT, "build", "narformer")))
FAMILIES = "squeezenet,resnet18"


def quietly(function, *args, **kwargs):
    with redirect_stdout(io.StringIO()) as out, redirect_stderr(io.StringIO()):
        try:
            return function(*args, **kwargs), out.getvalue()
        except SystemExit as e:
            return e.code, out.getvalue()


class Adapt(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="narformer_adapt_")
        source = os.path.join(cls.work, "source")
        code, _ = quietly(B.main, ["--out", source, "--per-family", "6", "--families", FAMILIES,
                                   "--noise-fraction", "0", "--threads", "1"],
                          measurer=FakeMeasurer(), machine=MACHINE)
        assert code == 0, code
        config = os.path.join(cls.work, "tiny.yaml")
        with open(config, "w") as f:
            f.write(f"data: {{dataset: nnlqp, path: {source}/gt.txt, protocol: stage, "
                    "val_fraction: 0.25, cache_dir: ''}\n"
                    "model: {blocks: 1, hidden: 32, ffn_hidden: 64, ffn_groups: 8, readout: cost}\n"
                    "train: {epochs: 3, batch_size: 4, lambda_sr: 0, lambda_cons: 0}\n"
                    "eval: {selection: mape}\n"
                    f"run: {{device: cpu, threads: 1, dir: {cls.work}/runs, name: tiny}}\n")
        subprocess.run([NARFORMER, "train", config], check=True, capture_output=True)
        cls.packs = os.path.join(cls.work, "pretrained")
        subprocess.run([NARFORMER, "pretrained", "pack", "--run", os.path.join(cls.work, "runs", "tiny"),
                        "--name", "tiny_cpu", "--out", os.path.join(cls.packs, "tiny_cpu"),
                        "--summary", "a 3-epoch run on fake measurements"],
                       check=True, capture_output=True)
        os.environ["NARFORMER_PRETRAINED"] = cls.packs

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def argv(self, out):
        return ["--pretrained", "tiny_cpu", "--out", out, "--n", "8", "--check", "4",
                "--families", FAMILIES, "--epochs", "2", "--threads", "1", "--train-threads", "1",
                "--noise-fraction", "0.25", "--narformer", NARFORMER]

    def test_interrupted_measuring_resumes_and_the_runs_are_kept(self):
        out = os.path.join(self.work, "device")
        interrupted = FakeMeasurer(fail_after=5, scale=3.0)
        code, _ = quietly(A.main, self.argv(out), measurer=interrupted, machine=MACHINE)
        self.assertNotEqual(code, 0)
        self.assertFalse(os.path.exists(os.path.join(out, "runs")))

        resumed = FakeMeasurer(scale=3.0)
        code, printed = quietly(A.main, self.argv(out), measurer=resumed, machine=MACHINE)
        self.assertEqual(code, 0, printed)
        # 12 networks and 3 of them again for the noise floor: 15 measurements, 5 done before.
        self.assertEqual(len(resumed.calls), 10)
        with open(os.path.join(out, "adapt.json")) as f:
            report = json.load(f)
        self.assertEqual(set(report["check_set"]), {"finetune", "rescale", "scratch"})
        for name, metrics in report["check_set"].items():
            self.assertEqual(metrics["n"], 4, name)  # the check networks, the same for all three
            self.assertGreater(metrics["mape"], 0, name)
        self.assertIsNotNone(report["noise_floor_mape"])
        self.assertIn("finetune", printed)

        # Everything done: a third call measures nothing and trains nothing again.
        finished = os.path.getmtime(os.path.join(out, "runs", "finetune", "test_metrics.json"))
        again = FakeMeasurer(scale=3.0)
        code, _ = quietly(A.main, self.argv(out), measurer=again, machine=MACHINE)
        self.assertEqual(code, 0)
        self.assertEqual(again.calls, [])
        self.assertEqual(os.path.getmtime(os.path.join(out, "runs", "finetune", "test_metrics.json")),
                         finished)

        # The rescale step: each check network's prediction is the pretrained one times one
        # factor, fitted on the new device's measurements (three times the old labels here).
        with open(os.path.join(out, "runs", "rescale", "predictions.csv")) as f:
            rows = list(csv.DictReader(f))
        files = [r["onnx_path"] for r in rows]
        pretrained = json.loads(subprocess.run(
            [NARFORMER, "predict", "--pretrained", "tiny_cpu", "--json"] + files, check=True,
            capture_output=True, text=True).stdout)["predictions"]
        ratios = [float(r["prediction_ms"]) / p["latency_ms"] for r, p in zip(rows, pretrained)]
        for ratio in ratios:
            self.assertAlmostEqual(ratio / ratios[0], 1.0, places=5)
        self.assertGreater(ratios[0], 1.0)  # the new device is slower than the old one

    def test_kernels_are_measured_on_the_networks_scale_and_train_the_adapted_runs(self):
        out = os.path.join(self.work, "with_kernels")
        measurer = FakeMeasurer(scale=3.0)
        code, printed = quietly(A.main, self.argv(out) + ["--kernels", "5"], measurer=measurer,
                                machine=MACHINE)
        self.assertEqual(code, 0, printed)
        # 12 networks, 3 of them again, then 5 kernels (no second pass, no check lines).
        self.assertEqual(len(measurer.calls), 20)
        kernels_gt = os.path.join(out, "kernels", "gt.txt")
        with open(kernels_gt) as f:
            self.assertEqual(len(f.read().splitlines()), 5)
        self.assertEqual(A.calibration_reference_ms(os.path.join(out, "kernels")),
                         A.calibration_reference_ms(os.path.join(out, "data")))
        for run in ("finetune", "scratch"):  # the rescale baseline stays one factor
            with open(os.path.join(out, "runs", run, "config.yaml")) as f:
                self.assertIn(kernels_gt, f.read(), run)
        with open(os.path.join(out, "runs", "rescale", "config.yaml")) as f:
            self.assertNotIn(kernels_gt, f.read())
        with open(os.path.join(out, "adapt.json")) as f:
            self.assertEqual(json.load(f)["networks"]["kernels"], 5)

        # Resuming with other settings would mix data sets: refused, naming what changed.
        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            with self.assertRaises(SystemExit) as stopped:
                A.main(self.argv(out) + ["--kernels", "6"], measurer=FakeMeasurer(scale=3.0),
                       machine=MACHINE)
        self.assertEqual(stopped.exception.code, 1)
        self.assertIn("--kernels 5 -> 6", err.getvalue())
        self.assertIn("settings.json", err.getvalue())

    def test_an_accuracy_predictor_or_unknown_name_is_one_clear_error(self):
        code, _ = quietly(A.main, ["--pretrained", "nope", "--out", os.path.join(self.work, "x"),
                                   "--narformer", NARFORMER])
        self.assertEqual(code, 1)


if __name__ == "__main__":
    unittest.main()
