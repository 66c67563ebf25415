"""narformer from Python: predict the latency or accuracy of neural networks with a trained run.

    import narformer
    accuracy = narformer.Predictor("runs/nb201_cpu_5pct").predict_cells(archs)   # NumPy array
    latency_ms = narformer.Predictor("runs/latency").predict_onnx(["resnet18.onnx"])
    latency_ms = narformer.Predictor("latency_cpu").predict_onnx("resnet18.onnx")  # shipped
    names = [p["name"] for p in narformer.pretrained()]
    facts = narformer.inspect("resnet18.onnx")                                 # a dict
    metrics = narformer.train("configs/nb201/smoke.yaml", overrides={"train.epochs": 2})

Importing narformer never loads LibTorch (an interpreter may already hold another torch):
predictions, embeddings and inspect run narformer's LibTorch-free forward pass in this process,
with the GIL released; train() runs the `narformer-torch` command in a subprocess. Errors are
narformer.Error (ConfigError, DataError, RunError), with the message the CLI prints.
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np

from ._narformer import ConfigError, DataError, Error, RunError, set_threads
from ._narformer import Predictor as _Predictor
from ._narformer import check_config, pretrained_manifests, run_or_pretrained
from ._narformer import inspect as _inspect

__all__ = ["Predictor", "inspect", "train", "pretrained", "nb101_arch", "set_threads",
           "Error", "ConfigError", "DataError", "RunError"]
__version__ = "0.1.0"


def nb101_arch(adjacency, ops):
    """The NAS-Bench-101 arch string narformer reads ("ADJACENCY OPS") from an n x n 0/1
    adjacency matrix (nested lists or a NumPy array) and n operation names."""
    matrix = np.asarray(adjacency)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise DataError(f"NB101 cell: adjacency must be a square matrix, got shape {matrix.shape}")
    if matrix.shape[0] != len(ops):
        raise DataError(f"NB101 cell: {matrix.shape[0]} nodes in the adjacency, {len(ops)} ops")
    bits = "".join("1" if value else "0" for value in matrix.reshape(-1).tolist())
    return bits + " " + "|".join(ops)


def _arch(cell):
    if isinstance(cell, str):
        return cell
    if isinstance(cell, (tuple, list)) and len(cell) == 2:
        return nb101_arch(*cell)
    raise DataError(f"a cell is an arch string or (adjacency, ops), got {type(cell).__name__}")


def _many(items):
    """One input or a list of them (a str, bytes or path is one input, not a sequence)."""
    if isinstance(items, (str, bytes, bytearray, memoryview, os.PathLike)):
        return [items], True
    return list(items), False


def pretrained():
    """The shipped predictors (`narformer pretrained list`): one dict each, their
    pretrained.json with "dir" added."""
    out = []
    for folder, manifest in pretrained_manifests():
        item = json.loads(manifest)
        item["dir"] = folder
        out.append(item)
    return out


class Predictor:
    """A trained run (a folder written by `narformer train`) or a shipped predictor by name
    (`narformer.pretrained()`), predicting without LibTorch.

    run_dir: the run folder, or the name of a pretrained predictor when no such folder exists;
    checkpoint: best | last | a .pt path (narformer runs read its .weights file, written by
    training or by `narformer export --run RUN_DIR`); threads: BLAS threads for the process (0
    leaves the setting alone).
    """

    def __init__(self, run_dir, checkpoint="best", threads=0):
        if threads:
            set_threads(int(threads))
        self._impl = _Predictor(run_or_pretrained(os.fspath(run_dir)), checkpoint)

    run_dir = property(lambda self: self._impl.run_dir)
    kind = property(lambda self: self._impl.kind, doc="model.kind: narformer, linear, mlp, gbdt, rescale")
    takes_onnx = property(lambda self: self._impl.takes_onnx, doc="ONNX latency run (else cells)")
    predicts_latency = property(lambda self: self._impl.predicts_latency,
                                doc="latency in ms (ONNX runs, HELP's cell runs), else accuracy")
    platforms = property(lambda self: self._impl.platforms, doc="platform ids of the output heads")
    embedding_dim = property(lambda self: self._impl.embedding_dim, doc="0 for baselines")

    def predict_onnx(self, models, batch=1, platform=""):
        """Latency in ms of ONNX models (paths or serialized bytes; one or a list): a float for
        one, a NumPy array for a list."""
        items, single = _many(models)
        values = self._impl.predict_onnx(items, int(batch), platform)
        return float(values[0]) if single else values

    def predict_cells(self, cells, platform=""):
        """Predicted accuracy (or latency in ms, for a latency run such as HELP's) of NAS-Bench
        cells: NB201 arch strings, NB101 "ADJACENCY OPS" strings or (adjacency, ops) pairs; one
        (a float) or a list (a NumPy array). platform: the head of a run with several (a label
        column, e.g. a HELP device; default the first)."""
        single = isinstance(cells, str) or (isinstance(cells, tuple) and len(cells) == 2
                                            and not isinstance(cells[0], str))
        values = self._impl.predict_cells([_arch(c) for c in ([cells] if single else cells)],
                                          platform)
        return float(values[0]) if single else values

    def embed(self, inputs, batch=1):
        """The learned representation of each input (ONNX models or cells, as this run takes):
        a float32 array, one row per input."""
        if self.takes_onnx:
            return self._impl.embed_onnx(_many(inputs)[0], int(batch))
        cells = [inputs] if isinstance(inputs, str) else inputs
        return self._impl.embed_cells([_arch(c) for c in cells])

    def __repr__(self):
        return f"narformer.Predictor({self.run_dir!r}, kind={self.kind!r})"


def inspect(model, batch=1, compat="corrected", embed="trans", dp=0, tokens=False):
    """What narformer reads from an ONNX model (a path or its bytes): the keys of
    `narformer inspect --json`; with tokens=True also "tokens", the node token matrix."""
    text, matrix = _inspect(model, int(batch), compat, embed, int(dp), bool(tokens))
    facts = json.loads(text)
    if tokens:
        facts["tokens"] = matrix
    return facts


def _torch_cli():
    """narformer-torch: $NARFORMER_TORCH, beside this package in a build tree, or on PATH."""
    if os.environ.get("NARFORMER_TORCH"):
        return os.environ["NARFORMER_TORCH"]
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.join(here, os.pardir, os.pardir, "narformer-torch")
    if os.access(built, os.X_OK):
        return os.path.normpath(built)
    found = shutil.which("narformer-torch")
    if not found:
        raise RunError("narformer-torch not found: set NARFORMER_TORCH or put it on PATH")
    return found


def _override(key, value):
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        value = "[" + ",".join(str(v) for v in value) + "]"
    return f"{key}={value}"


def train(config, overrides=None, overwrite=False, resume=False, quiet=False):
    """Trains as `narformer train CONFIG --set key=value ...` does (in a subprocess, so this
    interpreter never loads LibTorch) and returns the test metrics as a dict, with "run_dir".
    The config is checked here first: a bad one raises ConfigError before anything starts.
    Progress goes to stderr unless quiet."""
    config = os.fspath(config)
    sets = [_override(k, v) for k, v in (overrides or {}).items()]
    check_config(config, sets)
    command = [_torch_cli(), "train", config, "--json"]
    for s in sets:
        command += ["--set", s]
    if overwrite:
        command.append("--overwrite")
    if resume:
        command.append("--resume")
    error = None
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        for line in process.stderr:  # stdout holds a few lines: it cannot fill its pipe
            if line.startswith("error: "):
                error = line[len("error: "):].rstrip("\n")
            elif not quiet:
                sys.stderr.write(line)
        stdout = process.stdout.read()
    if process.returncode != 0:
        raise Error(error or f"narformer-torch train exited with {process.returncode}")
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise Error(f"training of {config} paused before the test (resume with resume=True)")
    return json.loads(lines[-1])
