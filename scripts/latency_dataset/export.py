"""Weight-free ONNX export (the NNLQP "no-weight" convention).

Shared by scripts/export_torchvision_onnx.py (test fixtures) and the latency-dataset builder, so
both write graphs the same way:

- opset 13, eval mode, input "input" and output "output" with a dynamic batch axis (so the
  batch-dependent Shape/Gather/Unsqueeze chains stay in the graph, as in files people export);
- training=PRESERVE keeps BatchNormalization as its own operator instead of folding it into the
  preceding Conv, like the NNLQP graphs;
- then every floating-point initializer loses its data but keeps name, type and dims. Integer
  initializers (shapes, axes, indices) keep their data because shape inference needs them.
"""

import io
import warnings

import onnx
import torch

OPSET = 13

_FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE,
                onnx.TensorProto.BFLOAT16}


def strip_weights(model):
    """Drops the data of float initializers (keeps name, dtype, dims); returns their count."""
    stripped = 0
    for init in model.graph.initializer:
        if init.data_type in _FLOAT_TYPES:
            init.ClearField("raw_data")
            init.ClearField("float_data")
            init.ClearField("double_data")
            init.ClearField("int32_data")  # float16 / bfloat16 payloads live here
            stripped += 1
    return stripped


def jitter_parameters(model, scale=1e-3):
    """Makes every float tensor of a fresh model distinct.

    Fresh models have many bit-identical tensors (BN weights all 1, biases all 0); the exporter
    would deduplicate them into Identity nodes that no trained model has. Draws from torch's
    global generator: seed it first for reproducible values (they are stripped anyway).
    """
    with torch.no_grad():
        for t in list(model.parameters()) + [b for b in model.buffers() if b.is_floating_point()]:
            t.add_(torch.rand_like(t) * scale)


def export_weight_free(model, example_input, producer_name):
    """Exports an eval-mode module to a weight-free ONNX ModelProto (nothing written to disk)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, example_input, buffer, opset_version=OPSET, input_names=["input"],
            output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    proto = onnx.load_from_string(buffer.getvalue())
    strip_weights(proto)
    proto.producer_name = producer_name
    return proto
