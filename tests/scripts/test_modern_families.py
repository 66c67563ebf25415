#!/usr/bin/env -S /usr/bin/python3
"""Tests of the eight generated families of scripts/latency_dataset/modern.py and of drawn batch
sizes in the builder.

    /usr/bin/python3 tests/scripts/test_modern_families.py      # exit 77 = skipped

The builders are held to torchvision: each family's published base config, built by the
family's builder, has the torchvision model's parameter count (a missing bias, a wrong
expansion or a misplaced projection changes it); no drawn variant is that published network;
every family's variant runs at its drawn batch and resolution, exports with the pattern it was
added for, and imports into narformer without unknown operators or lost shapes (NARFORMER: the
CLI; build/narformer by default, skipped when it is not built). The published networks
themselves are the builder's fixed family "torchvision", the check set.
"""

import collections
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import onnx
    import torch
    import torchvision
except ImportError as e:
    if __name__ == "__main__":
        print(f"SKIPPED: {e.name} not installed (Debian python3-torch, python3-torchvision, "
              f"python3-onnx)")
        sys.exit(77)
    raise unittest.SkipTest(str(e)) from e

from latency_dataset import build as B  # noqa: E402
from latency_dataset import families as F  # noqa: E402
from latency_dataset import modern  # noqa: E402
from test_latency_builder import FakeMeasurer, read_csv, run_builder  # noqa: E402

NARFORMER = os.path.abspath(os.environ.get("NARFORMER", os.path.join(ROOT, "build", "narformer")))
RESOLUTIONS, BATCHES = [160, 192, 224], [1, 2, 4]

# What each family was added for, as ONNX operators its first variant must contain.
PATTERN_OPS = {
    "densenet": {"Concat", "AveragePool"},
    "shufflenetv2": {"Transpose", "Reshape", "Slice", "Concat"},   # chunk = Slice
    "convnext": {"ReduceMean", "Erf", "Transpose", "MatMul"},      # LayerNorm, GELU, permutes
    "vit": {"MatMul", "Softmax", "Erf", "ReduceMean"},              # attention, GELU, LayerNorm
    "regnet": {"Conv", "Add"},
    "resnext": {"Conv", "Add", "MaxPool"},
    "ghostnet": {"Slice", "Concat", "Clip"},                         # ghost module, hard sigmoid
    "unet": {"Concat", "MaxPool"},
}


def arch_only(cfg):
    return {k: v for k, v in cfg.items() if k not in ("input", "batch")}


class PublishedBaseTest(unittest.TestCase):
    def test_base_configs_have_torchvisions_parameter_counts(self):
        self.assertEqual(len(modern.PUBLISHED), 6)
        for family, (name, cfg) in modern.PUBLISHED.items():
            with self.subTest(family=family):
                ours = F.BUILDERS[family](cfg, [3, 224, 224])
                theirs = getattr(torchvision.models, name)()
                self.assertEqual(sum(p.numel() for p in ours.parameters()),
                                 sum(p.numel() for p in theirs.parameters()))

    def test_no_variant_is_the_published_network(self):
        for family, (_, base) in modern.PUBLISHED.items():
            drawn = [arch_only(c) for c in F.variants(family, 200, 0, RESOLUTIONS, BATCHES)]
            self.assertNotIn(base, drawn, family)


class VariantsTest(unittest.TestCase):
    def test_seeded_distinct_and_batches_drawn(self):
        for family in modern.MODERN_FAMILIES:
            with self.subTest(family=family):
                a = F.variants(family, 40, 0, RESOLUTIONS, BATCHES)
                self.assertEqual(a, F.variants(family, 40, 0, RESOLUTIONS, BATCHES))
                self.assertEqual(len({json.dumps(c, sort_keys=True) for c in a}), 40)
                self.assertEqual({c["batch"] for c in a}, set(BATCHES))
                self.assertEqual({c["input"][1] for c in a}, set(RESOLUTIONS))

    def test_one_batch_size_leaves_configs_as_before(self):
        for family in ("resnet18", "densenet"):
            plain = F.variants(family, 10, 0)
            self.assertTrue(all("batch" not in c for c in plain))
            self.assertEqual(plain, F.variants(family, 10, 0, batches=[1]))
        # The shipped set, built before batches were drawn, is what the generator still draws.
        with open(os.path.join(ROOT, "data", "latency_cpu", "architectures.jsonl")) as f:
            shipped = {r["name"]: r["config"] for r in map(json.loads, f)}
        for family in F.FAMILIES:
            for i, cfg in enumerate(F.variants(family, 5, 0, batches=[1])):
                self.assertEqual(cfg, shipped[f"{family}_{i:04d}"], family)

    def test_not_in_the_default_build(self):
        for family in modern.MODERN_FAMILIES:
            self.assertNotIn(family, F.FAMILIES)
            self.assertIn(family, F.ALL_FAMILIES)
            self.assertIn(family, F.VARIANT_SPACES)


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.files = {}
        for family in modern.MODERN_FAMILIES:
            cfg = F.variants(family, 1, 0, RESOLUTIONS, BATCHES)[0]
            data, _ = B.export_model(B.Model(family, 0, cfg), seed=0)
            path = os.path.join(cls.tmp.name, family + ".onnx")
            with open(path, "wb") as f:
                f.write(data)
            cls.files[family] = (cfg, path, data)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_runs_at_its_batch_and_exports_its_pattern(self):
        for family, (cfg, _, data) in self.files.items():
            with self.subTest(family=family):
                model = F.build(family, cfg)
                with torch.inference_mode():
                    y = model(torch.rand(cfg["batch"], *cfg["input"]))
                r = cfg["input"][1]
                expected = ((cfg["batch"], cfg["classes"], r, r) if family == "unet"
                            else (cfg["batch"], 1000))
                self.assertEqual(tuple(y.shape), expected)
                ops = collections.Counter(n.op_type for n in onnx.load_from_string(data).graph.node)
                self.assertLessEqual(PATTERN_OPS[family], set(ops), family)
        ops = {f: collections.Counter(n.op_type for n in onnx.load_from_string(d).graph.node)
               for f, (_, _, d) in self.files.items()}
        # RegNet's 3x3 convolutions are grouped at the config's group width.
        regnet_cfg, _, regnet_data = self.files["regnet"]
        groups = {a.i for n in onnx.load_from_string(regnet_data).graph.node
                  if n.op_type == "Conv" for a in n.attribute if a.name == "group"}
        self.assertIn(regnet_cfg["stages"][0]["c"] // regnet_cfg["group"], groups)
        self.assertGreater(max(groups), 1)
        # The upsampling of the first unet variant is one of the three kinds.
        self.assertTrue(ops["unet"]["ConvTranspose"] or ops["unet"]["Resize"])
        # A dense block's layers each concatenate all maps before them.
        self.assertGreaterEqual(ops["densenet"]["Concat"], sum(self.files["densenet"][0]["blocks"]))

    def test_narformer_imports_every_family(self):
        if not os.path.exists(NARFORMER):
            self.skipTest(f"{NARFORMER} not built")
        paths = [p for _, p, _ in self.files.values()]
        proc = subprocess.run([NARFORMER, "inspect", *paths, "--json"], capture_output=True,
                              text=True, check=True)
        infos = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        self.assertEqual(len(infos), len(paths))
        for info in infos:
            self.assertNotIn("error", info, info["file"])
            self.assertEqual(info["unknown_ops"], [], info["file"])
            self.assertEqual(info["missing_shapes"], 0, info["file"])


class CheckSetTest(unittest.TestCase):
    """The published networks as the builder's fixed family "torchvision" (never drawn)."""

    def test_fixed_variants_are_the_fixture_networks(self):
        with open(os.path.join(ROOT, "tests", "fixtures", "onnx", "torchvision",
                               "MANIFEST.json")) as f:
            manifest = json.load(f)
        configs = F.variants("torchvision", 14, 0)
        self.assertEqual(sorted(c["model"] for c in configs), sorted(manifest))
        self.assertEqual(F.variants("torchvision", 3, 5), configs[:3])
        with self.assertRaises(ValueError):
            F.variants("torchvision", 15, 0)
        for name in ("squeezenet1_0", "mobilenet_v3_small"):
            cfg = next(c for c in configs if c["model"] == name)
            data, record = B.export_model(B.Model("torchvision", 0, cfg), seed=0)
            ops = collections.Counter(n.op_type for n in onnx.load_from_string(data).graph.node)
            self.assertEqual(dict(ops), manifest[name]["op_histogram"], name)
            self.assertEqual(record["parameters"], manifest[name]["trainable_parameters"])


class MergeTest(unittest.TestCase):
    """scripts/merge_latency_sets.py: one table from several gt.txt, paths relative to --out."""

    @staticmethod
    def write_set(folder, lines, cal_ref=1.014, cpu="AMD EPYC"):
        os.makedirs(folder)
        with open(os.path.join(folder, "gt.txt"), "w") as f:
            f.write("".join(line + "\n" for line in lines))
        with open(os.path.join(folder, "protocol.json"), "w") as f:
            json.dump({"platforms": {"1": {"calibration_reference_ms": cal_ref, "machine": {
                "cpu_model": cpu, "threads": 1, "torch": "1.13", "device": "cpu"}}}}, f)

    def merge(self, out, *inputs):
        proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "merge_latency_sets.py"),
                               "--out", out, *inputs], capture_output=True, text=True)
        return proc.returncode, proc.stderr

    def test_merges_renumbers_and_points_at_the_inputs_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b, out = (os.path.join(tmp, n) for n in ("a", "b", "merged"))
            self.write_set(a, ["00001 onnx/x/x_0000.onnx 2 3.5 x 1 train",
                               "00002 onnx/x/x_0001.onnx 1 1.25 x 1 test"])
            self.write_set(b, ["00001 onnx/torchvision/t_0000.onnx 1 7.0 torchvision 1 test"])
            code, err = self.merge(out, os.path.join(a, "gt.txt"), os.path.join(b, "gt.txt"))
            self.assertEqual(code, 0, err)
            with open(os.path.join(out, "gt.txt")) as f:
                lines = [line.split() for line in f]
            self.assertEqual(lines, [
                ["00001", "../a/onnx/x/x_0000.onnx", "2", "3.5", "x", "1", "train"],
                ["00002", "../a/onnx/x/x_0001.onnx", "1", "1.25", "x", "1", "test"],
                ["00003", "../b/onnx/torchvision/t_0000.onnx", "1", "7.0", "torchvision", "1",
                 "test"]])
            with open(os.path.join(out, "sources.json")) as f:
                self.assertEqual([s["lines"] for s in json.load(f)], [2, 1])

    def test_refuses_another_device_a_repeated_file_and_a_bad_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            line = "00001 onnx/x/x_0000.onnx 1 3.5 x 1 train"
            self.write_set(os.path.join(tmp, "a"), [line])
            self.write_set(os.path.join(tmp, "slow"), ["00001 onnx/y/y_0000.onnx 1 3 y 1 train"],
                           cal_ref=1.416)
            self.write_set(os.path.join(tmp, "bad"), ["00001 onnx/z/z_0000.onnx 1 3"])
            gt = lambda n: os.path.join(tmp, n, "gt.txt")  # noqa: E731
            out = os.path.join(tmp, "merged")
            for inputs, message in (((gt("a"), gt("slow")), "platform 1 differs"),
                                    ((gt("a"), gt("a")), "already in an earlier input"),
                                    ((gt("bad"),), "line 1: expected 6 or 7 fields"),
                                    ((gt("missing"),), "No such file")):
                code, err = self.merge(out, *inputs)
                self.assertEqual(code, 1, inputs)
                self.assertIn(message, err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertFalse(os.path.exists(os.path.join(out, "gt.txt")))


class BatchSizesBuildTest(unittest.TestCase):
    class Recording(FakeMeasurer):
        def measure(self, model, input_shape, batch_size=1, seed=0):
            self.batches = getattr(self, "batches", []) + [batch_size]
            return super().measure(model, input_shape, batch_size, seed)

    def test_each_model_is_measured_and_labelled_at_its_drawn_batch(self):
        with tempfile.TemporaryDirectory() as tmp:
            measurer = self.Recording()
            code, log = run_builder(["--out", tmp, "--families", "regnet,resnext",
                                     "--per-family", "6", "--batch-sizes", "1,2,4",
                                     "--resolutions", "160", "--noise-fraction", "0"], measurer)
            self.assertEqual(code, 0, log)
            configs = {f"{f}_{i:04d}": c for f in ("regnet", "resnext")
                       for i, c in enumerate(F.variants(f, 6, 0, [160], [1, 2, 4]))}
            with open(os.path.join(tmp, "gt.txt")) as f:
                lines = [line.split() for line in f]
            self.assertEqual(len(lines), 12)
            for fields in lines:
                name = os.path.basename(fields[1])[:-5]
                self.assertEqual(int(fields[2]), configs[name]["batch"], name)
            rows = read_csv(os.path.join(tmp, "measurements.csv"))
            self.assertEqual(sorted(int(r["batch"]) for r in rows),
                             sorted(c["batch"] for c in configs.values()))
            self.assertEqual(sorted(measurer.batches), sorted(c["batch"] for c in configs.values()))
            self.assertGreater(len(set(measurer.batches)), 1)
            with open(os.path.join(tmp, "protocol.json")) as f:
                protocol = json.load(f)
            self.assertEqual(protocol["dataset"]["batch_sizes"], [1, 2, 4])
            # Resuming with other batch sizes would redraw the models: refused.
            code, log = run_builder(["--out", tmp, "--families", "regnet", "--per-family", "6",
                                     "--batch-sizes", "1,8", "--resolutions", "160"],
                                    self.Recording())
            self.assertNotIn(code, (0, None))
            self.assertIn("batch_sizes: [1, 2, 4] there, [1, 8] now", str(code))  # SystemExit's

    def test_bad_batch_sizes_are_one_clear_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            for bad in ("1,x", "0,2"):
                code, log = run_builder(["--out", tmp, "--batch-sizes", bad], FakeMeasurer())
                self.assertEqual(code, 2, log)
                self.assertIn("--batch-sizes", log)


if __name__ == "__main__":
    unittest.main()
