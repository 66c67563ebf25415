"""The published torchvision networks as a family of fixed variants: the check set.

Users check a latency predictor on exactly these networks, so they never join training data
(the generated families re-sample them instead: families.py, modern.py). Built as a family,
they are measured by the builder with the same protocol as the training sets:

    /usr/bin/python3 scripts/build_latency_dataset.py --out data/latency_cpu_torchvision \\
        --families torchvision --per-family 14 --stage-test-fraction 1 --threads 1

Variant i is the i-th name of MODELS (the networks of tests/fixtures/onnx/torchvision, exported
the same way), at 224x224; nothing is drawn.
"""

import torchvision

# The 9 torchvision-expressible NNLQP families first (nasbench201 cells are not in
# torchvision), then more architectures that people export today.
MODELS = [
    "resnet18", "vgg16", "alexnet", "squeezenet1_0", "googlenet", "mobilenet_v2",
    "mobilenet_v3_small", "mnasnet1_0", "efficientnet_b0",
    "regnet_y_400mf", "shufflenet_v2_x1_0", "densenet121", "convnext_tiny", "vit_b_16",
]

SPACE = "fixed: torchvision's " + ", ".join(MODELS) + " at 224x224 (random weights)"


def variants(n):
    if n > len(MODELS):
        raise ValueError(f"torchvision: only {len(MODELS)} published networks, {n} asked for")
    return [{"input": [3, 224, 224], "model": name} for name in MODELS[:n]]


def build_torchvision(name):
    kwargs = {"weights": None}
    if name == "googlenet":
        # No auxiliary heads (unused in eval) and no scipy truncated-normal init (slow).
        kwargs.update(aux_logits=False, init_weights=False)
    return getattr(torchvision.models, name)(**kwargs).eval()


def build(cfg, input_shape):
    return build_torchvision(cfg["model"])
