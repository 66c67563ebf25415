#!/usr/bin/python3
"""Export torchvision models as small, weight-free ONNX files for narformer's tests.

    /usr/bin/python3 scripts/export_torchvision_onnx.py [--out tests/fixtures/onnx/torchvision] [MODEL ...]

Needs Debian's python3-torch, python3-torchvision and python3-onnx (use /usr/bin/python3: a
pyenv `python3` does not see them). No network: models are built with random weights.

Each model is exported the way users export today: opset 13, eval mode, a dynamic batch axis
(so batch-dependent Shape/Gather/Unsqueeze chains stay in the graph). Two choices differ from
`torch.onnx.export`'s defaults, on purpose:

- training=PRESERVE keeps BatchNormalization as its own operator instead of folding it into
  the preceding Conv, like the graphs of the NNLQP dataset, and so that the parameter count
  of the graph equals torchvision's (BN has 2 trainable parameters per channel).
- Then every floating-point initializer loses its data but keeps name, type and dims: the
  NNLQP "no-weight" convention. Integer initializers (shapes, axes, indices) keep their data
  because shape inference needs them.

Next to the files, MANIFEST.json records for each model what PyTorch itself says (trainable
parameter count, output shape) and what the exported graph holds (operators per type), so
tests can pin narformer's importer against independent numbers.
"""

import argparse
import json
import os
import sys
from collections import Counter

import onnx
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from latency_dataset.export import OPSET, export_weight_free, jitter_parameters  # noqa: E402

# The networks and how they are built: the same as the latency builder's check-set family.
from latency_dataset.published import MODELS  # noqa: E402
from latency_dataset.published import build_torchvision as build  # noqa: E402


def export(name, out_dir):
    torch.manual_seed(0)
    model = build(name)
    # Fresh models have many bit-identical tensors (BN weights all 1, biases all 0); the exporter
    # would deduplicate them into Identity nodes that no trained model has.
    jitter_parameters(model)
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        y = model(x)
    proto = export_weight_free(model, x, "narformer scripts/export_torchvision_onnx.py")
    path = os.path.join(out_dir, name + ".onnx")
    onnx.save(proto, path)
    ops = Counter(node.op_type for node in proto.graph.node)
    return {
        "file": name + ".onnx",
        "bytes": os.path.getsize(path),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "opset": OPSET,
        "input_shape": [1, 3, 224, 224],
        "output_shape": list(y.shape),
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "operators": len(proto.graph.node),
        "initializers": len(proto.graph.initializer),
        "op_histogram": dict(sorted(ops.items())),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="*", default=MODELS, help="torchvision model names")
    parser.add_argument("--out", default=os.path.join("tests", "fixtures", "onnx", "torchvision"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    manifest_path = os.path.join(args.out, "MANIFEST.json")
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    for name in args.models:
        info = export(name, args.out)
        manifest[name] = info
        print(f"{name:22s} {info['operators']:5d} operators  {info['bytes'] / 1024:7.1f} KiB  "
              f"{info['trainable_parameters']:>11,d} params", flush=True)
    with open(manifest_path, "w") as f:
        json.dump(dict(sorted(manifest.items())), f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
