#!/usr/bin/env -S /usr/bin/python3
"""Tests of the latency-dataset builder (scripts/latency_dataset, scripts/build_latency_dataset.py).

    /usr/bin/python3 -m unittest discover -s tests/scripts -v      # from the repository root
    /usr/bin/python3 tests/scripts/test_latency_builder.py          # the same; exit 77 = skipped

Needs Debian's python3-torch, python3-torchvision and python3-onnx; without them every test is
skipped (exit code 77 when run as a script, which ctest reports as "skipped"). Timing is replaced
by a fake measurer except in one short test of the real protocol, so the tests are fast and do not
depend on the machine's load.
"""

import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

MISSING = []
for _module in ("torch", "torchvision", "onnx"):
    try:
        __import__(_module)
    except ImportError:
        MISSING.append(_module)
SKIP_MESSAGE = (f"python modules {', '.join(MISSING)} not installed: install Debian's "
                f"python3-torch, python3-torchvision and python3-onnx (scripts/setup.sh "
                f"installs them) and run with /usr/bin/python3")

if MISSING:
    if __name__ == "__main__":
        print("SKIPPED: " + SKIP_MESSAGE)
        sys.exit(77)
    raise unittest.SkipTest(SKIP_MESSAGE)

import onnx  # noqa: E402
import torch  # noqa: E402

from latency_dataset import build as B  # noqa: E402
from latency_dataset import families as F  # noqa: E402
from latency_dataset import measure as M  # noqa: E402
from latency_dataset.export import strip_weights  # noqa: E402

GT_LINE = re.compile(r"^(\d{5}) (onnx/(\w+)/\3_\d{4}\.onnx) (\d+) (\d+\.\d{5}) (\w+) (\d+) "
                     r"(train|test)$")


class FakeMeasurer:
    """Deterministic stand-in for measure.Measurer: the ratio follows the parameter count."""

    def __init__(self, fail_after=None, scale=1.0):
        self.protocol = M.Protocol(rounds=1)
        self.calls = []
        self.fail_after = fail_after
        self.scale = scale

    def measure(self, model, input_shape, batch_size=1, seed=0):
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise KeyboardInterrupt
        params = sum(p.numel() for p in model.parameters())
        self.calls.append(params)
        ratio = self.scale * (1.0 + params / 1e6)
        return {"ratio": ratio, "ratio_mad_rel": 0.01, "ms_median": 2.0 * ratio,
                "ms_min": 1.9 * ratio, "cal_ms": 2.0, "runs_per_round": 3, "rounds": 1,
                "warmup_runs": 3}


MACHINE = {"device": "cpu", "cpu_model": "test", "threads": 1, "torch": torch.__version__,
           "runtime": "fake"}


def run_builder(argv, measurer=None, monitor=None):
    """Runs build.main quietly; returns (exit code, stdout)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = B.main(argv, measurer=measurer, machine=MACHINE if measurer else None,
                          monitor=monitor)
        except SystemExit as e:
            code = e.code
    return code, out.getvalue() + err.getvalue()


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class FamiliesTest(unittest.TestCase):
    def test_same_seed_same_variants_and_prefix_stable(self):
        for family in F.FAMILIES:
            a = F.variants(family, 6, seed=3)
            self.assertEqual(a, F.variants(family, 6, seed=3), family)
            self.assertEqual(a[:3], F.variants(family, 3, seed=3), family)

    def test_variants_differ_within_family_and_across_seeds(self):
        for family in F.FAMILIES:
            configs = F.variants(family, 30, seed=0)
            keys = {json.dumps(c, sort_keys=True) for c in configs}
            self.assertEqual(len(keys), 30, family)
            other = F.variants(family, 30, seed=1)
            self.assertNotEqual(configs, other, family)

    def test_what_varies(self):
        n = 60
        res = F.variants("resnet18", n, 0)
        self.assertEqual({c["stem"]["k"] for c in res}, {3, 5, 7})
        blocks = {len(s["mid"]) for c in res for s in c["stages"]}
        self.assertEqual(blocks, {1, 2, 3})
        widths = {s["c"] for c in res for s in c["stages"][:1]}
        self.assertGreater(len(widths), 4)
        self.assertTrue(all(16 <= s["c"] <= 768 for c in res for s in c["stages"]))
        for family in ("mobilenetv2", "mobilenetv3", "mnasnet", "efficientb0"):
            cfgs = F.variants(family, n, 0)
            blocks = [b for c in cfgs for b in c["blocks"]]
            self.assertEqual({b["k"] for b in blocks} - {3}, {5, 7}, family)
            self.assertTrue(any(b["se"] for b in blocks) and any(not b["se"] for b in blocks),
                            family)
            self.assertGreater(len({c["width"] for c in cfgs}), 2, family)
            self.assertGreater(len({len(c["blocks"]) for c in cfgs}), 4, family)
            ratios = {round(b["e"] / c, 1) for b, c in self._block_inputs(cfgs)}
            self.assertGreaterEqual(len(ratios), 3, family)
        vgg = F.variants("vgg16", n, 0)
        self.assertEqual({s["convs"] for c in vgg for s in c["stages"]}, {1, 2, 3})
        nb = F.variants("nasbench201", n, 0)
        self.assertEqual({c["C"] for c in nb}, {8, 16, 24, 32})
        self.assertEqual({c["N"] for c in nb}, {1, 2, 3, 4, 5})
        ops = {op for c in nb for op in F.parse_nb201(c["arch"])}
        self.assertEqual(ops, set(F.NB201_OPS))
        self.assertTrue(all(c["input"] == [3, 32, 32] for c in nb))
        self.assertTrue(all(c["input"] == [3, 224, 224] for c in res))

    @staticmethod
    def _block_inputs(cfgs):
        for c in cfgs:
            cin = c.get("stem_out", c["stem"])
            for b in c["blocks"]:
                yield b, cin
                cin = b["c"]

    def test_resolution_option(self):
        fixed = F.variants("alexnet", 20, 0)
        drawn = F.variants("alexnet", 20, 0, resolutions=[160, 192, 224])
        self.assertEqual({c["input"][1] for c in drawn}, {160, 192, 224})
        strip = lambda c: {k: v for k, v in c.items() if k != "input"}  # noqa: E731
        self.assertEqual([strip(c) for c in fixed], [strip(c) for c in drawn])

    def test_unknown_family(self):
        with self.assertRaises(ValueError):
            F.variants("lenet", 1, 0)


class ExportTest(unittest.TestCase):
    def test_every_family_runs_and_exports_weight_free(self):
        floats = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE}
        for family in F.FAMILIES:
            with self.subTest(family=family):
                cfg = F.variants(family, 1, 0)[0]
                model = F.build(family, cfg)
                with torch.inference_mode():
                    y = model(torch.zeros(1, *cfg["input"]))
                self.assertEqual(tuple(y.shape),
                                 (1, 10 if family == "nasbench201" else 1000))
                data, rec = B.export_model(B.Model(family, 0, cfg), seed=0)
                proto = onnx.load_from_string(data)
                self.assertLess(len(data), 200_000)
                self.assertEqual(rec["onnx_bytes"], len(data))
                float_elems = 0
                for init in proto.graph.initializer:
                    if init.data_type in floats:
                        self.assertEqual(len(init.raw_data) + len(init.float_data), 0, init.name)
                        float_elems += math.prod(init.dims)
                # Every trainable parameter is an initializer with its dims (BN stats come on top).
                trainable = sum(p.numel() for p in model.parameters())
                self.assertGreaterEqual(float_elems, trainable)
                self.assertLess(float_elems, trainable * 1.05 + 1000)
                inferred = onnx.shape_inference.infer_shapes(proto)
                self.assertEqual(inferred.graph.output[0].type.tensor_type.shape.dim[1].dim_value,
                                 y.shape[1])
                self.assertEqual(proto.opset_import[0].version, 13)

    def test_same_seed_same_onnx_bytes(self):
        for family in ("resnet18", "nasbench201", "mobilenetv3"):
            m = B.Model(family, 2, F.variants(family, 3, 5)[2])
            a, ra = B.export_model(m, seed=5)
            b, rb = B.export_model(m, seed=5)
            self.assertEqual(hashlib.sha256(a).hexdigest(), hashlib.sha256(b).hexdigest(), family)
            self.assertEqual(ra["onnx_sha256"], rb["onnx_sha256"])

    def test_strip_weights_keeps_dims(self):
        model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8)).eval()
        buf = io.BytesIO()
        torch.onnx.export(model, torch.zeros(1, 3, 8, 8), buf, opset_version=13)
        proto = onnx.load_from_string(buf.getvalue())
        dims = {i.name: list(i.dims) for i in proto.graph.initializer}
        self.assertGreater(strip_weights(proto), 0)
        self.assertEqual(dims, {i.name: list(i.dims) for i in proto.graph.initializer})
        self.assertTrue(all(not i.raw_data for i in proto.graph.initializer))
        self.assertIn([8, 3, 3, 3], dims.values())

    def test_torchvision_fixture_exporter_unchanged(self):
        fixture_dir = os.path.join(ROOT, "tests", "fixtures", "onnx", "torchvision")
        with open(os.path.join(fixture_dir, "MANIFEST.json")) as f:
            manifest = json.load(f)
        if manifest["alexnet"]["torch"] != torch.__version__:
            self.skipTest("fixtures were exported with another torch version")
        sys.path.insert(0, os.path.join(ROOT, "scripts"))
        import export_torchvision_onnx as tv  # noqa: PLC0415
        with tempfile.TemporaryDirectory() as tmp:
            info = tv.export("alexnet", tmp)
            with open(os.path.join(tmp, "alexnet.onnx"), "rb") as a, \
                    open(os.path.join(fixture_dir, "alexnet.onnx"), "rb") as b:
                self.assertEqual(a.read(), b.read())
        self.assertEqual(info, manifest["alexnet"])


class BuildTest(unittest.TestCase):
    FAMILIES = "squeezenet,nasbench201"
    N = 5

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="latency_builder_test_")
        cls.out = os.path.join(cls.tmp, "ds")
        cls.code, cls.log = run_builder(
            ["--out", cls.out, "--families", cls.FAMILIES, "--per-family", str(cls.N),
             "--seed", "7", "--noise-fraction", "0.2", "--stage-test-fraction", "0.4"],
            FakeMeasurer())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def copy_exports(self, name):
        """A new folder holding only the class dataset's ONNX files and architecture records."""
        out = os.path.join(self.tmp, name)
        shutil.copytree(os.path.join(self.out, "onnx"), os.path.join(out, "onnx"))
        shutil.copy(os.path.join(self.out, "architectures.jsonl"), out)
        return out

    def test_gt_lines_files_and_records(self):
        self.assertEqual(self.code, 0, self.log)
        with open(os.path.join(self.out, "gt.txt")) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 2 * self.N)
        families = []
        for i, line in enumerate(lines):
            m = GT_LINE.match(line)
            self.assertIsNotNone(m, line)
            self.assertEqual(int(m.group(1)), i + 1)
            self.assertEqual(m.group(3), m.group(6))  # directory = model type
            self.assertEqual(m.group(4), "1")
            self.assertEqual(m.group(7), "1")
            self.assertGreater(float(m.group(5)), 0)
            self.assertTrue(os.path.exists(os.path.join(self.out, m.group(2))), m.group(2))
            families.append(m.group(6))
        self.assertEqual(families, ["squeezenet"] * self.N + ["nasbench201"] * self.N)
        rows = read_csv(os.path.join(self.out, "measurements.csv"))
        self.assertEqual(len([r for r in rows if r["pass"] == "1"]), 2 * self.N)
        self.assertEqual(len([r for r in rows if r["pass"] == "2"]), 2)  # ceil(0.2 * 10)
        with open(os.path.join(self.out, "architectures.jsonl")) as f:
            arch = [json.loads(line) for line in f]
        self.assertEqual(len(arch), 2 * self.N)
        for rec in arch:
            with open(os.path.join(self.out, rec["onnx"]), "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), rec["onnx_sha256"])
        with open(os.path.join(self.out, "protocol.json")) as f:
            proto = json.load(f)
        self.assertEqual(proto["dataset"]["seed"], 7)
        self.assertEqual(proto["platforms"]["1"]["calibration_reference_ms"], 2.0)
        with open(os.path.join(self.out, "platforms.yaml")) as f:
            text = f.read()
        self.assertIn("platforms:\n  1:\n", text)
        self.assertIn("calibration_reference_ms: 2.0", text)
        try:
            import yaml  # noqa: PLC0415
        except ImportError:
            return
        doc = yaml.safe_load(text)
        self.assertEqual(doc["platforms"][1]["machine"]["cpu_model"], "test")
        self.assertEqual(doc["platforms"][1]["protocol"]["rounds"], 1)

    def test_label_is_ratio_times_calibration_reference(self):
        rows = {r["name"]: r for r in read_csv(os.path.join(self.out, "measurements.csv"))
                if r["pass"] == "1"}
        with open(os.path.join(self.out, "gt.txt")) as f:
            for line in f:
                m = GT_LINE.match(line.strip())
                name = os.path.basename(m.group(2))[:-5]
                self.assertAlmostEqual(float(m.group(5)), float(rows[name]["ratio"]) * 2.0,
                                       places=3)

    def test_stage_split_is_seeded_and_exact(self):
        with open(os.path.join(self.out, "gt.txt")) as f:
            stages = [line.split()[-1] for line in f]
        self.assertEqual(stages.count("test"), 4)  # round(0.4 * 5) per family
        models = {f: [B.Model(f, i, {}) for i in range(200)] for f in ("vgg16", "resnet18")}
        a = B.stages(models, 0, 0.1)
        self.assertEqual(a, B.stages(models, 0, 0.1))
        self.assertNotEqual(a, B.stages(models, 1, 0.1))
        for f in models:
            self.assertEqual(sum(a[m.name] == "test" for m in models[f]), 20)

    def test_noise_report(self):
        with open(os.path.join(self.out, "noise.json")) as f:
            noise = json.load(f)["1"]
        self.assertEqual(noise["models"], 2)
        for key in ("median", "p90", "mean", "max"):
            self.assertAlmostEqual(noise["label_rel_diff"][key], 0.0)  # the fake is exact
        with open(os.path.join(self.out, "platforms.yaml")) as f:
            self.assertIn("noise:", f.read())
        # A larger fraction extends the subset of a smaller one.
        models = [B.Model("vgg16", i, {}) for i in range(100)]
        small = B.noise_selection(models, 0, 0.05)
        self.assertEqual(len(small), 5)
        self.assertEqual(B.noise_selection(models, 0, 0.1)[:5], small)

    def test_resume_skips_measured_and_keeps_them(self):
        out = self.copy_exports("resume")
        args = ["--out", out, "--families", self.FAMILIES, "--per-family", str(self.N), "--seed",
                "7", "--noise-fraction", "0.2", "--stage-test-fraction", "0.4"]
        code, log = run_builder(args, FakeMeasurer(fail_after=3))
        self.assertEqual(code, 130, log)
        first = read_csv(os.path.join(out, "measurements.csv"))
        self.assertEqual(len(first), 3)
        with open(os.path.join(out, "gt.txt")) as f:
            self.assertEqual(len(f.read().splitlines()), 3)
        # Resumed with another scale: the 3 measured models keep their first values.
        resumed = FakeMeasurer(scale=10.0)
        code, log = run_builder(args, resumed)
        self.assertEqual(code, 0, log)
        self.assertEqual(len(resumed.calls), 2 * self.N - 3 + 2)
        rows = read_csv(os.path.join(out, "measurements.csv"))
        self.assertEqual(rows[:3], first)
        self.assertEqual(len(rows), 2 * self.N + 2)
        # A third run has nothing to do; the exports were reused, never redone.
        again = FakeMeasurer()
        self.assertEqual(run_builder(args, again)[0], 0)
        self.assertEqual(again.calls, [])
        with open(os.path.join(out, "architectures.jsonl")) as f:
            self.assertEqual(len(f.read().splitlines()), 2 * self.N)

    def test_torn_csv_line_is_remeasured(self):
        out = self.copy_exports("torn")
        args = ["--out", out, "--families", "nasbench201", "--per-family", "3", "--seed", "7",
                "--noise-fraction", "0"]
        self.assertEqual(run_builder(args, FakeMeasurer(fail_after=2))[0], 130)
        with open(os.path.join(out, "measurements.csv"), "a") as f:
            f.write("nasbench201_0002,nasbench201,2,1,1,1,1.5")  # a crash mid-write
        again = FakeMeasurer()
        code, log = run_builder(args, again)
        self.assertEqual(code, 0, log)
        self.assertEqual(len(again.calls), 1)
        rows = read_csv(os.path.join(out, "measurements.csv"))
        self.assertEqual(sorted(r["name"] for r in rows if r["ratio_mad_rel"]),
                         ["nasbench201_0000", "nasbench201_0001", "nasbench201_0002"])

    def test_other_settings_are_refused(self):
        code, log = run_builder(["--out", self.out, "--families", self.FAMILIES, "--per-family",
                                 str(self.N), "--seed", "8"], FakeMeasurer())
        self.assertIn("seed", str(code) + log)
        self.assertNotEqual(code, 0)

    def test_more_per_family_extends_the_set(self):
        out = self.copy_exports("extend")
        args = ["--out", out, "--families", "nasbench201", "--seed", "7", "--noise-fraction", "0"]
        self.assertEqual(run_builder(args + ["--per-family", "2"], FakeMeasurer())[0], 0)
        more = FakeMeasurer()
        self.assertEqual(run_builder(args + ["--per-family", "4"], more)[0], 0)
        self.assertEqual(len(more.calls), 2)
        with open(os.path.join(out, "gt.txt")) as f:
            self.assertEqual(len(f.read().splitlines()), 4)

    def test_packed_folder_resumes_after_unpacking(self):
        out = self.copy_exports("packed")
        args = ["--out", out, "--families", "nasbench201", "--per-family", "3", "--seed", "7",
                "--noise-fraction", "0", "--pack"]
        self.assertEqual(run_builder(args, FakeMeasurer())[0], 0)
        self.assertTrue(os.path.exists(os.path.join(out, B.PACK_NAME)))
        with open(os.path.join(out, "summary.md")) as f:
            self.assertIn("| nasbench201 | 3 |", f.read())
        gt = read_bytes(os.path.join(out, "gt.txt"))
        shutil.rmtree(os.path.join(out, "onnx"))  # what a checkout of the repository holds
        again = FakeMeasurer()
        code, log = run_builder(args, again)
        self.assertEqual(code, 0, log)
        self.assertEqual(again.calls, [])
        self.assertEqual(read_bytes(os.path.join(out, "gt.txt")), gt)
        self.assertTrue(os.path.exists(os.path.join(out, "onnx", "nasbench201",
                                                    "nasbench201_0002.onnx")))
        shutil.rmtree(os.path.join(out, "onnx"))
        self.assertEqual(run_builder(["--out", out, "--unpack"])[0], 0)
        self.assertEqual(len(os.listdir(os.path.join(out, "onnx", "nasbench201"))), 3)

    def test_pack_is_reproducible_and_unpacks(self):
        out = self.copy_exports("pack")
        files = sorted(os.path.relpath(os.path.join(d, f), out)
                       for d, _, fs in os.walk(os.path.join(out, "onnx")) for f in fs)
        first = B.pack(out, files)
        a = read_bytes(first)
        self.assertEqual(read_bytes(B.pack(out, files)), a)
        originals = {p: read_bytes(os.path.join(out, p)) for p in files}
        shutil.rmtree(os.path.join(out, "onnx"))
        self.assertEqual(B.unpack(first, out), len(files))
        for p, data in originals.items():
            self.assertEqual(read_bytes(os.path.join(out, p)), data)


class MeasureTest(unittest.TestCase):
    def test_real_protocol_on_a_small_model(self):
        M.setup_runtime("cpu", 1)
        protocol = M.Protocol(warmup_runs=1, warmup_s=0.0, rounds=2, round_s=0.005, min_runs=2,
                              max_runs=5, cal_runs=1)
        measurer = M.Measurer("cpu", protocol)
        cfg = {"input": [3, 32, 32], "arch": "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|"
               "avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|", "C": 8, "N": 1}
        res = measurer.measure(F.build("nasbench201", cfg), cfg["input"])
        self.assertGreater(res["ratio"], 0)
        self.assertGreater(res["cal_ms"], 0)
        self.assertLessEqual(res["ms_min"], res["ms_median"])
        self.assertEqual(res["rounds"], 2)
        self.assertTrue(2 <= res["runs_per_round"] <= 5)
        self.assertGreaterEqual(res["ratio_mad_rel"], 0)

    def test_calibration_runs_at_the_models_batch(self):
        quick = dict(warmup_runs=1, warmup_s=0.0, rounds=1, round_s=0.005, min_runs=2,
                     max_runs=2, cal_runs=1)
        cfg = {"input": [3, 16, 16], "arch": "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|"
               "avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|", "C": 4, "N": 1}
        model = F.build("nasbench201", cfg)
        at_batch = M.Measurer("cpu", M.Protocol(**quick))
        self.assertGreater(at_batch.measure(model, cfg["input"], batch_size=3)["cal_ms"], 0)
        self.assertEqual(sorted(at_batch._cal_runs), [1, 3])
        at_one = M.Measurer("cpu", M.Protocol(cal_at_batch=False, **quick))
        at_one.measure(model, cfg["input"], batch_size=3)
        self.assertEqual(sorted(at_one._cal_runs), [1])

    def test_protocol_records_from_before_a_field_existed(self):
        old = {k: v for k, v in M.Protocol().as_dict().items()
               if k not in ("cal_at_batch", "keep_freed_memory")}
        # Calibration at batch 1 is calibration at the batch when the batch is 1; the old
        # malloc settings are not the new ones.
        self.assertFalse(M.Protocol.matches(old, M.Protocol().as_dict(), batch_size=1))
        self.assertTrue(M.Protocol.matches(
            old, M.Protocol(keep_freed_memory=False).as_dict(), batch_size=1))
        self.assertFalse(M.Protocol.matches(
            old, M.Protocol(keep_freed_memory=False).as_dict(), batch_size=4))
        self.assertTrue(M.Protocol.matches(
            old, M.Protocol(cal_at_batch=False, keep_freed_memory=False).as_dict(), batch_size=4))
        self.assertTrue(M.Protocol.matches(M.Protocol().as_dict(), M.Protocol().as_dict(), 4))
        self.assertFalse(M.Protocol.matches(M.Protocol().as_dict(),
                                            M.Protocol(rounds=9).as_dict(), 4))
        if sys.platform.startswith("linux"):
            self.assertTrue(M.keep_freed_memory())

    def test_machine_record_and_monitor(self):
        rec = M.machine_record("cpu", 1)
        for key in ("cpu_model", "threads", "torch", "onnx", "os", "runtime"):
            self.assertIn(key, rec)
        self.assertTrue(M.same_platform(rec, dict(rec)))
        self.assertFalse(M.same_platform(rec, dict(rec, threads=rec["threads"] + 1)))
        monitor = M.CpuMonitor()
        if not monitor.available:
            self.skipTest("no /proc/stat")
        busy = monitor.sample(0.05)
        self.assertGreaterEqual(busy["others_cores"], 0.0)
        self.assertGreaterEqual(busy["steal_cores"], 0.0)

    def test_busy_machine_waits_and_remeasures(self):
        class Busy:
            available = True

            def __init__(self):
                self.stops = 0

            def start(self):
                pass

            def stop(self):
                self.stops += 1
                return {"others_cores": 1.0 if self.stops == 1 else 0.0, "steal_cores": 0.0}

            def sample(self, seconds):
                return {"others_cores": 0.0, "steal_cores": 0.0}

        with tempfile.TemporaryDirectory() as tmp:
            measurer = FakeMeasurer()
            code, log = run_builder(["--out", tmp, "--families", "nasbench201", "--per-family",
                                     "1", "--noise-fraction", "0"], measurer, monitor=Busy())
            self.assertEqual(code, 0, log)
            self.assertEqual(len(measurer.calls), 2)
            row = read_csv(os.path.join(tmp, "measurements.csv"))[0]
            self.assertEqual(row["attempts"], "2")
            self.assertEqual(float(row["others_cores"]), 0.0)


class CliTest(unittest.TestCase):
    def test_help_lists_options_and_spaces(self):
        import subprocess  # noqa: PLC0415
        proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts",
                                                            "build_latency_dataset.py"), "--help"],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for word in ("--out", "--per-family", "--full", "--seed", "--device", "--threads",
                     "--stage-test-fraction", "--noise-fraction", "nasbench201", "resnet18"):
            self.assertIn(word, proc.stdout)

    def test_bad_family_is_an_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            code, log = run_builder(["--out", tmp, "--families", "lenet"], FakeMeasurer())
        self.assertEqual(code, 2)
        self.assertIn("lenet", log)


class KernelsTest(unittest.TestCase):
    """The single-operator family: every operator drawn, within its caps, runs and exports
    (opset 13 has no HardSwish: x * HardSigmoid(x), as in the mobile families)."""

    ONNX_OPS = {"conv": {"Conv"}, "dwconv": {"Conv"}, "maxpool": {"MaxPool"},
                "avgpool": {"AveragePool"}, "gap": {"GlobalAveragePool"},
                "bn": {"BatchNormalization"}, "relu": {"Relu"}, "relu6": {"Clip"},
                "hswish": {"HardSigmoid", "Mul"}, "hsigmoid": {"HardSigmoid"}, "sigmoid": {"Sigmoid"},
                "silu": {"Sigmoid", "Mul"}, "add": {"Add"}, "mul": {"Mul"}, "concat": {"Concat"},
                "linear": {"Gemm"}}

    def test_not_in_the_default_build(self):
        self.assertNotIn("kernels", F.FAMILIES)
        self.assertIn("kernels", F.ALL_FAMILIES)

    def test_every_operator_is_drawn_within_the_caps_and_exports(self):
        configs = F.variants("kernels", 300, 0)
        by_op = {}
        for cfg in configs:
            by_op.setdefault(cfg["op"], cfg)
            model = F.build("kernels", cfg)
            with torch.inference_mode():
                y = model(torch.rand(1, *cfg["input"]))
            elements = max(math.prod(cfg["input"]), y.numel())
            self.assertLessEqual(elements, 2 * 4.0e6, cfg)  # concat doubles its input
            if cfg["op"] in ("conv", "dwconv"):
                weight = model.weight.shape
                macs = y.numel() * weight[1] * weight[2] * weight[3]
                self.assertLessEqual(macs, 1.0e9, cfg)
        self.assertEqual(set(by_op), set(self.ONNX_OPS))
        for op, cfg in sorted(by_op.items()):
            with self.subTest(op=op):
                data, _ = B.export_model(B.Model("kernels", 0, cfg), seed=0)
                graph = onnx.load_from_string(data).graph
                types = {n.op_type for n in graph.node} - {"Flatten", "Constant"}
                self.assertEqual(types, self.ONNX_OPS[op])
        avg = [c for c in configs if c["op"] == "avgpool"]
        self.assertEqual({c["count_include_pad"] for c in avg}, {True, False})

    def test_fixed_calibration_reference_sets_the_labels_scale(self):
        with tempfile.TemporaryDirectory() as tmp:
            code, log = run_builder(["--out", tmp, "--families", "kernels", "--per-family", "6",
                                     "--stage-test-fraction", "0", "--noise-fraction", "0",
                                     "--calibration-reference-ms", "3.5"], FakeMeasurer())
            self.assertEqual(code, 0, log)
            rows = {r["name"]: float(r["ratio"])
                    for r in read_csv(os.path.join(tmp, "measurements.csv"))}
            with open(os.path.join(tmp, "gt.txt")) as f:
                lines = [line.split() for line in f]
        self.assertEqual(len(lines), 6)
        for f in lines:
            self.assertEqual((f[4], f[6]), ("kernels", "train"))
            name = os.path.basename(f[1])[:-5]
            self.assertAlmostEqual(float(f[3]), rows[name] * 3.5, places=3)


if __name__ == "__main__":
    unittest.main()
