"""Single-operator "kernel" networks: a device's price list for every kind of work.

nn-Meter (Zhang et al., MobiSys 2021) predicts a network's latency from measurements of its
kernels, taken over a grid of shapes on the device itself. This family borrows the idea as
extra training data: each variant is one operator (a convolution, a pooling window, an
activation, ...) on one input shape, measured with the same protocol as the networks. A model
trained on networks and these kernels has seen every operator the networks use at many sizes,
so a network family it never saw is not priced by analogy alone.

The grid is generic, not drawn from any family: ImageNet-style spatial sizes 7..224, channel
counts 8..512, kernels 1..7, strides 1 and 2, both padding conventions of average pooling; work
is capped so that each kernel runs in at most ~20 ms on one core. Variant ``i`` depends only on
(seed, "kernels", i), like the network families.
"""

import torch
from torch import nn

CHANNELS = [8, 16, 24, 32, 48, 64, 96, 128, 160, 192, 256, 320, 384, 512]
SIZES = [7, 14, 28, 56, 112, 224]
# Drawn with these weights: convolutions carry most of a network's time and have the most shape
# parameters, so they get the most samples.
OPS = {"conv": 8, "dwconv": 3, "maxpool": 2, "avgpool": 2, "gap": 1, "bn": 1, "relu": 1,
       "relu6": 1, "hswish": 1, "hsigmoid": 1, "sigmoid": 1, "silu": 1, "add": 1, "mul": 1,
       "concat": 1, "linear": 2}
MAX_MACS = 1.0e9        # multiply-adds of one kernel
MAX_ELEMENTS = 4.0e6    # elements of its input or output

SPACE = ("one operator on one input: conv (k 1/3/5/7, stride 1/2, 3 or 8..512 channels in and "
         "8..512 out), depthwise conv (k 3/5/7), max / average pool (k 2/3/5, stride 1/2, "
         "average with and without padding counted), global average pool, BN, ReLU, ReLU6, "
         "hard-swish, hard-sigmoid, sigmoid, SiLU, add, mul, concat, linear; spatial sizes "
         "7..224; at most 1 G multiply-adds and 4 M elements")


def _out_size(size, k, stride, pad, ceil=False):
    span = size + 2 * pad - k
    return (-(-span // stride) if ceil else span // stride) + 1


def sample(rng):
    """One kernel config: {"op", its parameters, "input": [C, H, W] or [features]}."""
    ops, weights = zip(*OPS.items())
    op = rng.choices(ops, weights)[0]  # first, so that the caps do not thin out large operators
    for _ in range(1000):
        c, size = rng.choice(CHANNELS), rng.choice(SIZES)
        cfg = {"op": op}
        if op == "conv":
            k, stride = rng.choice([1, 3, 5, 7]), rng.choice([1, 2])
            cin = 3 if rng.random() < 0.1 else c
            cout = rng.choice(CHANNELS)
            out = _out_size(size, k, stride, k // 2)
            macs = cout * out * out * cin * k * k
            cfg.update(k=k, stride=stride, cout=cout, input=[cin, size, size])
            elements = max(cin * size * size, cout * out * out)
        elif op == "dwconv":
            k, stride = rng.choice([3, 5, 7]), rng.choice([1, 2])
            out = _out_size(size, k, stride, k // 2)
            macs = c * out * out * k * k
            cfg.update(k=k, stride=stride, input=[c, size, size])
            elements = c * size * size
        elif op in ("maxpool", "avgpool"):
            k, stride = rng.choice([2, 3, 5]), rng.choice([1, 2])
            pad = 0 if k == 2 else rng.choice([0, k // 2])
            cfg.update(k=k, stride=stride, pad=pad, input=[c, size, size])
            if op == "avgpool":
                cfg["count_include_pad"] = rng.choice([True, False])
            else:
                cfg["ceil_mode"] = rng.choice([True, False])
            out = _out_size(size, k, stride, pad, cfg.get("ceil_mode", False))
            if out < 1:
                continue
            macs = c * out * out * k * k
            elements = c * size * size
        elif op == "linear":
            fin = rng.choice([c, 4 * c, 8 * c, 16 * c])
            fout = rng.choice([10, 100, 1000] + CHANNELS)
            cfg.update(out_features=fout, input=[fin])
            macs, elements = fin * fout, fin
        else:  # operators of one input and elementwise cost
            cfg["input"] = [c, size, size]
            macs, elements = 0, 2 * c * size * size if op == "concat" else c * size * size
        if macs <= MAX_MACS and elements <= MAX_ELEMENTS:
            return cfg
    raise RuntimeError(f"kernels: no {op} config within the work caps in 1000 draws")


class _Binary(nn.Module):
    """x op x: the elementwise add / mul / channel concat of a network's branches."""

    def __init__(self, op):
        super().__init__()
        self.op = op

    def forward(self, x):
        if self.op == "add":
            return x + x
        if self.op == "mul":
            return x * x
        return torch.cat([x, x], 1)


def build(cfg, input_shape):
    op = cfg["op"]
    c = input_shape[0]
    if op == "conv":
        return nn.Conv2d(c, cfg["cout"], cfg["k"], cfg["stride"], cfg["k"] // 2, bias=False)
    if op == "dwconv":
        return nn.Conv2d(c, c, cfg["k"], cfg["stride"], cfg["k"] // 2, groups=c, bias=False)
    if op == "maxpool":
        return nn.MaxPool2d(cfg["k"], cfg["stride"], cfg["pad"], ceil_mode=cfg["ceil_mode"])
    if op == "avgpool":
        return nn.AvgPool2d(cfg["k"], cfg["stride"], cfg["pad"],
                            count_include_pad=cfg["count_include_pad"])
    if op == "gap":
        return nn.AdaptiveAvgPool2d(1)
    if op == "bn":
        return nn.BatchNorm2d(c)
    if op == "linear":
        return nn.Linear(c, cfg["out_features"])
    if op in ("add", "mul", "concat"):
        return _Binary(op)
    return {"relu": lambda: nn.ReLU(inplace=True), "relu6": lambda: nn.ReLU6(inplace=True),
            "hswish": lambda: nn.Hardswish(inplace=True),
            "hsigmoid": lambda: nn.Hardsigmoid(inplace=True), "sigmoid": nn.Sigmoid,
            "silu": lambda: nn.SiLU(inplace=True)}[op]()
