#!/usr/bin/env -S /usr/bin/python3
"""Tests of the NAS-Bench-101 network builder (scripts/latency_dataset/nb101.py) and of the
script that measures NB101 cells (scripts/nb101_latency.py, with a fake measurer: no timing).

The builder is held to NAS-Bench-101 itself: for cells drawn from the shipped table, the
network's parameter count equals the table's trainable_parameters, which NAS-Bench-101's
TensorFlow builder counted. Needs Debian's python3-torch; exit 77 (skipped) without it.
"""

import csv
import io
import json
import os
import random
import shutil
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, HERE)

try:
    import torch
    from test_latency_builder import FakeMeasurer  # noqa: E402
except (ImportError, unittest.SkipTest) as missing:
    print(f"SKIPPED: {missing}")
    sys.exit(77)

import nb101_latency  # noqa: E402
from latency_dataset.nb101 import NasBench101Network, parse_cell, vertex_channels  # noqa: E402

TABLE = os.path.join(ROOT, "data", "nasbench101", "nb101_tiga1231_30k_arch_valacc.csv")


def read_table():
    with open(TABLE) as f:
        return list(csv.DictReader(f))


class Network(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows = read_table()

    def test_parameter_counts_equal_nas_bench_101s(self):
        rng = random.Random(7)
        by_size = {}
        for row in self.rows:
            by_size.setdefault(int(row["num_vertices"]), []).append(row)
        # Every cell size the table holds (2 to 7 vertices), a few cells of each.
        drawn = [r for size in sorted(by_size) for r in rng.sample(by_size[size],
                                                                  min(8, len(by_size[size])))]
        self.assertGreaterEqual(len({int(r["num_vertices"]) for r in drawn}), 4)
        for row in drawn:
            matrix, ops = parse_cell(row["adjacency_rowmajor"], row["ops"])
            params = sum(p.numel() for p in NasBench101Network(matrix, ops).parameters())
            self.assertEqual(params, int(row["trainable_parameters"]), row["module_hash"])

    def test_vertex_channels_split_the_output_among_the_vertices_that_feed_it(self):
        # input -> 1, 2, 3 -> output: 128 channels split 43 / 43 / 42.
        three = [[0, 1, 1, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1],
                 [0, 0, 0, 0, 0]]
        self.assertEqual(vertex_channels(64, 128, three), [64, 43, 43, 42, 128])
        # input -> 1 -> 2 -> output: vertex 1 takes its successor's width.
        chain = [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
        self.assertEqual(vertex_channels(64, 128, chain), [64, 128, 128, 128])

    def test_forward_gives_ten_logits_and_input_output_edges_add(self):
        direct = [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
        net = NasBench101Network(direct, ["input", "conv1x1-bn-relu", "output"]).eval()
        with torch.inference_mode():
            self.assertEqual(tuple(net(torch.rand(2, 3, 32, 32)).shape), (2, 10))
        # The input feeds the output: the cell's output is vertex 1 plus the projected input.
        cell = net.features[1]
        x = torch.rand(1, 128, 8, 8)
        with torch.inference_mode():
            expected = cell.ops[1](cell.projections["1"](x)) + cell.projections["2"](x)
            torch.testing.assert_close(cell(x), expected)

    def test_bad_cells_are_refused(self):
        with self.assertRaisesRegex(ValueError, "not a 3x3"):
            parse_cell("0101", "input|conv3x3-bn-relu|output")
        with self.assertRaisesRegex(ValueError, "unknown NAS-Bench-101 operation 'conv5x5'"):
            NasBench101Network([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5", "output"])


class Measuring(unittest.TestCase):
    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="nb101_latency_")

    def tearDown(self):
        shutil.rmtree(self.out, ignore_errors=True)

    def run_script(self, argv, measurer):
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            return nb101_latency.main(["--out", self.out, "--table", TABLE] + argv,
                                      measurer=measurer,
                                      machine={"cpu_model": "test", "device": "cpu"})

    def test_table_labels_resume_and_noise_pass(self):
        first = FakeMeasurer(fail_after=3)
        with self.assertRaises(KeyboardInterrupt):
            self.run_script(["--n", "6"], first)
        self.assertEqual(len(first.calls), 3)
        second = FakeMeasurer()
        self.run_script(["--n", "6"], second)
        # The three measured cells are not measured again; one noise re-measure (5 % of 6).
        self.assertEqual(len(second.calls), 3 + 1)
        with open(os.path.join(self.out, "nb101_latency.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 6)
        table = {r["module_hash"]: r for r in read_table()}
        for row in rows:
            self.assertEqual(row["adjacency_rowmajor"], table[row["module_hash"]]["adjacency_rowmajor"])
            # The fake ratio is 1 + params / 1e6 and the calibration reference 2 ms.
            expected = 2.0 * (1 + int(table[row["module_hash"]]["trainable_parameters"]) / 1e6)
            self.assertAlmostEqual(float(row["latency_ms"]), expected, delta=1e-4 * expected)
        with open(os.path.join(self.out, "protocol.json")) as f:
            meta = json.load(f)
        self.assertEqual(meta["calibration_reference_ms"], 2.0)
        self.assertEqual(meta["noise"]["cells"], 1)
        self.assertEqual(meta["noise"]["median_rel_diff"], 0.0)

    def test_bad_tables_are_one_clear_error(self):
        bad = os.path.join(self.out, "bad.csv")
        with open(bad, "w") as f:
            f.write("module_hash,num_vertices,adjacency_rowmajor,ops\n")
        with self.assertRaisesRegex(SystemExit, "bad.csv: no column trainable_parameters"):
            nb101_latency.main(["--out", self.out, "--table", bad], measurer=FakeMeasurer(),
                               machine={})
        with open(bad, "w") as f:
            f.write("module_hash,num_vertices,adjacency_rowmajor,ops,trainable_parameters\n"
                    "abc,3,0101,input|conv3x3-bn-relu|output,10\n")
        with self.assertRaisesRegex(SystemExit, "bad.csv: cell abc: .*not a 3x3"):
            nb101_latency.main(["--out", self.out, "--table", bad], measurer=FakeMeasurer(),
                               machine={})

    def test_other_settings_are_refused(self):
        self.run_script(["--n", "2"], FakeMeasurer())
        with self.assertRaisesRegex(SystemExit, "other settings"):
            self.run_script(["--n", "2", "--seed", "1"], FakeMeasurer())
        # A larger --n extends the table: the first two cells are not measured again.
        more = FakeMeasurer()
        self.run_script(["--n", "3"], more)
        # The third cell, and the larger set's noise check (its seeded 5 % is another cell).
        self.assertEqual(len(more.calls), 1 + 1)


if __name__ == "__main__":
    unittest.main()
