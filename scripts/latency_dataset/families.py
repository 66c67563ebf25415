"""The 10 NNLQP model families and their variant spaces (eight more in modern.py).

Each family has a sampler, ``sample(rng) -> config``, that draws one variant from a seeded
``random.Random``, and a builder, ``build(config) -> torch.nn.Module``, that turns the config into
an eval-mode PyTorch model. A config is a plain JSON-serialisable dict that spells out every
layer choice (widths after rounding, kernel sizes, depths, SE flags), so the dataset records the
exact architecture of every file and the builder needs no randomness.

What varies follows nn-Meter / NNLQP, which re-sample channel widths and kernel sizes of the
published models, and the MnasNet / OFA spaces of the mobile families (expansion ratio, kernel,
SE, depth per stage, width multiplier). The ranges are chosen so that every variant runs in
about 1-200 ms at batch 1 and 224x224 on a 2-core CPU (32x32 NAS-Bench-201 cells are faster).

``variants(family, n, seed)`` gives the first ``n`` variants of a family: variant ``i`` depends
only on (seed, family, i) and on the variants before it (duplicates are re-drawn), so the first 5
variants of a 200-variant build are the 5 variants of a 5-variant build.

Changing anything here that alters the configs drawn for a seed must bump GENERATOR_VERSION.
"""

import json
import random

import torch
from torch import nn

from . import kernels

GENERATOR_VERSION = 1

# NNLQP's model-type labels (the 5th column of gt.txt), in NNLQP's file order.
FAMILIES = ["alexnet", "mnasnet", "mobilenetv2", "resnet18", "squeezenet", "vgg16",
            "efficientb0", "googlenet", "mobilenetv3", "nasbench201"]

IMAGENET_CLASSES = 1000
CIFAR_CLASSES = 10

# Width multipliers of single layers / stages (nn-Meter re-samples each layer's width).
WIDTH_GRID = [0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 1.25, 1.5]


def make_divisible(value, divisor=8):
    """Rounds a channel count to a multiple of ``divisor`` (the MobileNet rule: never < 90 %)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def _width(rng, base, grid=WIDTH_GRID):
    return make_divisible(base * rng.choice(grid))


# --------------------------------------------------------------------------------------------
# Building blocks (torchvision's structure, so the graphs look like exported torchvision models)

_ACTIVATIONS = {
    "relu": lambda: nn.ReLU(inplace=True),
    "relu6": lambda: nn.ReLU6(inplace=True),
    "hswish": lambda: nn.Hardswish(inplace=True),
    "silu": lambda: nn.SiLU(inplace=True),
}


def conv_bn_act(cin, cout, k, stride=1, groups=1, act="relu", bn_eps=1e-5):
    layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout, eps=bn_eps)]
    if act is not None:
        layers.append(_ACTIVATIONS[act]())
    return nn.Sequential(*layers)


class SqueezeExcitation(nn.Module):
    """torchvision.ops.SqueezeExcitation: pool, 1x1 conv, act, 1x1 conv, gate, scale."""

    def __init__(self, channels, squeeze, act="relu", gate="sigmoid"):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.act = _ACTIVATIONS[act]()
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.gate = nn.Sigmoid() if gate == "sigmoid" else nn.Hardsigmoid()

    def forward(self, x):
        return x * self.gate(self.fc2(self.act(self.fc1(self.pool(x)))))


class InvertedResidual(nn.Module):
    """MobileNetV2 / V3 / MnasNet / EfficientNet block: expand, depthwise, (SE), project."""

    def __init__(self, cin, cout, k, stride, expanded, act, se_squeeze=0, se_act="relu",
                 se_gate="sigmoid", bn_eps=1e-5):
        super().__init__()
        layers = []
        if expanded != cin:
            layers.append(conv_bn_act(cin, expanded, 1, act=act, bn_eps=bn_eps))
        layers.append(conv_bn_act(expanded, expanded, k, stride, groups=expanded, act=act,
                                  bn_eps=bn_eps))
        if se_squeeze:
            layers.append(SqueezeExcitation(expanded, se_squeeze, se_act, se_gate))
        layers.append(conv_bn_act(expanded, cout, 1, act=None, bn_eps=bn_eps))
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.block(x)
        return x + y if self.residual else y


class ImageNetHead(nn.Module):
    """Global average pool, flatten, optional hidden Linear + act, dropout, Linear."""

    def __init__(self, channels, hidden=0, act="relu", classes=IMAGENET_CLASSES):
        super().__init__()
        layers = [nn.AdaptiveAvgPool2d(1), nn.Flatten(1)]
        if hidden:
            layers += [nn.Linear(channels, hidden), _ACTIVATIONS[act]()]
            channels = hidden
        layers += [nn.Dropout(0.2), nn.Linear(channels, classes)]
        self.head = nn.Sequential(*layers)

    def forward(self, x):
        return self.head(x)


def _feature_size(features, input_shape):
    with torch.no_grad():
        return features(torch.zeros(1, *input_shape)).shape[1:]


def _fc_stack(features, input_shape, fc_widths, pool):
    """The AlexNet / VGG classifier after ``features``, for any input resolution.

    torchvision pools adaptively to ``pool``x``pool`` first; that pool is kept when the feature
    map is a whole multiple of it (224x224 input) and dropped otherwise (ONNX export of an adaptive
    pool needs integer ratios), in which case the first Linear sees the map as it is.
    """
    c, h, w = _feature_size(features, input_shape)
    layers = []
    if h % pool == 0 and w % pool == 0:
        layers.append(nn.AdaptiveAvgPool2d(pool))
        h = w = pool
    layers.append(nn.Flatten(1))
    width = c * h * w
    for hidden in fc_widths:
        layers += [nn.Dropout(0.5), nn.Linear(width, hidden), nn.ReLU(inplace=True)]
        width = hidden
    layers.append(nn.Linear(width, IMAGENET_CLASSES))
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------
# alexnet: per-layer widths and kernels, hidden widths of the classifier

ALEXNET_CHANNELS = [64, 192, 384, 256, 256]


def sample_alexnet(rng):
    kernels = [rng.choice([7, 9, 11]), rng.choice([3, 5, 7]), rng.choice([3, 5]),
               rng.choice([3, 5]), rng.choice([3, 5])]
    return {"convs": [{"c": _width(rng, c), "k": k} for c, k in zip(ALEXNET_CHANNELS, kernels)],
            "fc": [rng.choice([1024, 2048, 3072, 4096]) for _ in range(2)]}


def build_alexnet(cfg, input_shape):
    layers, cin = [], input_shape[0]
    for i, conv in enumerate(cfg["convs"]):
        stride, pad = (4, 2) if i == 0 else (1, (conv["k"] - 1) // 2)
        layers += [nn.Conv2d(cin, conv["c"], conv["k"], stride, pad), nn.ReLU(inplace=True)]
        if i in (0, 1, 4):
            layers.append(nn.MaxPool2d(3, 2))
        cin = conv["c"]
    features = nn.Sequential(*layers)
    return nn.Sequential(features, _fc_stack(features, input_shape, cfg["fc"], 6))


# --------------------------------------------------------------------------------------------
# vgg16: width and number of convs per stage, hidden widths of the classifier

VGG_STAGES = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
VGG_GRID = [0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0]


def sample_vgg16(rng):
    stages = []
    for i, (c, _) in enumerate(VGG_STAGES):
        stages.append({"c": _width(rng, c, VGG_GRID),
                       "convs": rng.randint(1, 2) if i < 2 else rng.randint(1, 3)})
    return {"stages": stages, "fc": [rng.choice([1024, 2048, 4096]) for _ in range(2)]}


def build_vgg16(cfg, input_shape):
    layers, cin = [], input_shape[0]
    for stage in cfg["stages"]:
        for _ in range(stage["convs"]):
            layers += [nn.Conv2d(cin, stage["c"], 3, 1, 1), nn.ReLU(inplace=True)]
            cin = stage["c"]
        layers.append(nn.MaxPool2d(2, 2))
    features = nn.Sequential(*layers)
    return nn.Sequential(features, _fc_stack(features, input_shape, cfg["fc"], 7))


# --------------------------------------------------------------------------------------------
# resnet18: stem kernel and width, per-stage width and blocks, per-block inner width

RESNET_STAGES = [64, 128, 256, 512]


def sample_resnet18(rng):
    stages = []
    for c in RESNET_STAGES:
        width = _width(rng, c)
        blocks = rng.randint(1, 3)
        mids = [make_divisible(width * rng.choice([0.5, 0.75, 1.0, 1.25])) for _ in range(blocks)]
        stages.append({"c": width, "mid": mids})
    return {"stem": {"k": rng.choice([3, 5, 7]), "c": _width(rng, 64)}, "stages": stages}


class BasicBlock(nn.Module):
    def __init__(self, cin, mid, cout, stride):
        super().__init__()
        self.conv1 = conv_bn_act(cin, mid, 3, stride)
        self.conv2 = conv_bn_act(mid, cout, 3, act=None)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = conv_bn_act(cin, cout, 1, stride, act=None)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(self.conv2(self.conv1(x)) + identity)


def build_resnet18(cfg, input_shape):
    stem = cfg["stem"]
    layers = [conv_bn_act(input_shape[0], stem["c"], stem["k"], 2), nn.MaxPool2d(3, 2, 1)]
    cin = stem["c"]
    for s, stage in enumerate(cfg["stages"]):
        for b, mid in enumerate(stage["mid"]):
            layers.append(BasicBlock(cin, mid, stage["c"], 2 if (s > 0 and b == 0) else 1))
            cin = stage["c"]
    layers.append(ImageNetHead(cin))
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------
# squeezenet: version (pool positions), stem kernel and width, squeeze / expand widths per fire

# (squeeze, expand) of the 8 fire modules of SqueezeNet 1.0 / 1.1.
SQUEEZE_FIRES = [(16, 64), (16, 64), (32, 128), (32, 128), (48, 192), (48, 192), (64, 256),
                 (64, 256)]
SQUEEZE_POOLS = {"1_0": (3, 7), "1_1": (2, 4)}  # max-pool before these fire indices (and stem)


def sample_squeezenet(rng):
    version = rng.choice(["1_0", "1_1"])
    stem_c = 96 if version == "1_0" else 64
    fires = [{"s": make_divisible(s * rng.choice([0.5, 0.75, 1.0, 1.5, 2.0])),
              "e1": _width(rng, e, [0.5, 0.75, 1.0, 1.25, 1.5]),
              "e3": _width(rng, e, [0.5, 0.75, 1.0, 1.25, 1.5])} for s, e in SQUEEZE_FIRES]
    return {"version": version, "stem": {"k": rng.choice([3, 5, 7]), "c": _width(rng, stem_c)},
            "fires": fires}


class Fire(nn.Module):
    def __init__(self, cin, squeeze, e1, e3):
        super().__init__()
        self.squeeze = nn.Sequential(nn.Conv2d(cin, squeeze, 1), nn.ReLU(inplace=True))
        self.expand1 = nn.Sequential(nn.Conv2d(squeeze, e1, 1), nn.ReLU(inplace=True))
        self.expand3 = nn.Sequential(nn.Conv2d(squeeze, e3, 3, padding=1), nn.ReLU(inplace=True))

    def forward(self, x):
        x = self.squeeze(x)
        return torch.cat([self.expand1(x), self.expand3(x)], 1)


def build_squeezenet(cfg, input_shape):
    stem = cfg["stem"]
    layers = [nn.Conv2d(input_shape[0], stem["c"], stem["k"], 2), nn.ReLU(inplace=True),
              nn.MaxPool2d(3, 2, ceil_mode=True)]
    cin = stem["c"]
    for i, fire in enumerate(cfg["fires"]):
        if i in SQUEEZE_POOLS[cfg["version"]]:
            layers.append(nn.MaxPool2d(3, 2, ceil_mode=True))
        layers.append(Fire(cin, fire["s"], fire["e1"], fire["e3"]))
        cin = fire["e1"] + fire["e3"]
    layers += [nn.Dropout(0.5), nn.Conv2d(cin, IMAGENET_CLASSES, 1), nn.ReLU(inplace=True),
               nn.AdaptiveAvgPool2d(1), nn.Flatten(1)]
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------
# googlenet: stem kernel, inception modules per stage, the 6 branch widths and the kernel of
# the "5x5" branch of every module (torchvision uses 3x3 there)

# (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj) of inception 3a-3b, 4a-4e, 5a-5b.
GOOGLENET_STAGES = [
    [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64)],
    [(192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
     (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128)],
    [(256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128)],
]
GOOGLENET_GRID = [0.5, 0.625, 0.75, 0.875, 1.0, 1.25, 1.5]


def sample_googlenet(rng):
    depths = [rng.randint(1, 2), rng.randint(2, 5), rng.randint(1, 2)]
    stages = []
    for base, depth in zip(GOOGLENET_STAGES, depths):
        stages.append([{"widths": [_width(rng, w, GOOGLENET_GRID) for w in spec],
                        "k5": rng.choice([3, 5])} for spec in base[:depth]])
    return {"stem": {"k": rng.choice([3, 5, 7]), "c": _width(rng, 64, GOOGLENET_GRID),
                     "c3": _width(rng, 192, GOOGLENET_GRID)}, "stages": stages}


def _basic_conv(cin, cout, k, stride=1):
    return conv_bn_act(cin, cout, k, stride, bn_eps=1e-3)


class Inception(nn.Module):
    def __init__(self, cin, widths, k5):
        super().__init__()
        c1, c3r, c3, c5r, c5, cp = widths
        self.branch1 = _basic_conv(cin, c1, 1)
        self.branch2 = nn.Sequential(_basic_conv(cin, c3r, 1), _basic_conv(c3r, c3, 3))
        self.branch3 = nn.Sequential(_basic_conv(cin, c5r, 1), _basic_conv(c5r, c5, k5))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), _basic_conv(cin, cp, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


def build_googlenet(cfg, input_shape):
    stem = cfg["stem"]
    layers = [_basic_conv(input_shape[0], stem["c"], stem["k"], 2),
              nn.MaxPool2d(3, 2, ceil_mode=True),
              _basic_conv(stem["c"], stem["c"], 1), _basic_conv(stem["c"], stem["c3"], 3),
              nn.MaxPool2d(3, 2, ceil_mode=True)]
    cin = stem["c3"]
    for s, stage in enumerate(cfg["stages"]):
        if s > 0:
            layers.append(nn.MaxPool2d(3 if s == 1 else 2, 2, ceil_mode=True))
        for module in stage:
            layers.append(Inception(cin, module["widths"], module["k5"]))
            w = module["widths"]
            cin = w[0] + w[2] + w[4] + w[5]
    layers.append(ImageNetHead(cin))
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------
# The mobile families share one config shape:
#   {"width": multiplier, "stem": c, "blocks": [{"c", "k", "s", "e" (expanded channels),
#    "se" (squeeze channels, 0 = no SE), "act" (MobileNetV3 only)}], "last": c, "hidden": c}

def _mobile_config(rng, stages, width, per_block, first_fixed, act_of_stage=None,
                   e_choices=(3, 4, 6), se_prob=0.5):
    """Draws the blocks of a MobileNet-style network from per-stage base settings.

    stages: list of (base out channels, base depth, stride); the depth of each stage is drawn in
    1..base+1 (the first stage keeps its depth when first_fixed); kernel in {3, 5, 7} and
    expansion ratio in e_choices, drawn per block (per_block) or per stage; SE on/off per stage.
    """
    blocks = []
    for i, (c_base, depth, stride) in enumerate(stages):
        cout = make_divisible(c_base * width)
        fixed = first_fixed and i == 0
        n = depth if fixed else rng.randint(1, depth + 1)
        se = (not fixed) and rng.random() < se_prob
        k_stage, e_stage = rng.choice([3, 5, 7]), rng.choice(e_choices)
        for b in range(n):
            k = rng.choice([3, 5, 7]) if per_block else k_stage
            e = rng.choice(e_choices) if per_block else e_stage
            block = {"c": cout, "k": 3 if fixed else k, "s": stride if b == 0 else 1,
                     "t": 1 if fixed else e, "se": se}
            if act_of_stage:
                block["act"] = act_of_stage[i]
            blocks.append(block)
    return blocks


def _finish_mobile(blocks, stem_c, se_rule):
    """Turns expansion ratios into channel counts (needs each block's input width)."""
    cin = stem_c
    for block in blocks:
        expanded = make_divisible(cin * block["t"]) if block["t"] != 1 else cin
        block["e"] = expanded
        block["se"] = se_rule(cin, expanded) if block["se"] else 0
        del block["t"]
        cin = block["c"]
    return blocks


def _build_mobile(cfg, input_shape, act, stem_act, se_act, se_gate, head_act, bn_eps=1e-5):
    layers = [conv_bn_act(input_shape[0], cfg["stem"], 3, 2, act=stem_act, bn_eps=bn_eps)]
    layers += cfg.get("prefix", [])  # MnasNet's separable stem, built by the caller
    cin = cfg["stem_out"] if "stem_out" in cfg else cfg["stem"]
    for block in cfg["blocks"]:
        layers.append(InvertedResidual(cin, block["c"], block["k"], block["s"], block["e"],
                                       block.get("act", act), block["se"], se_act, se_gate,
                                       bn_eps))
        cin = block["c"]
    layers.append(conv_bn_act(cin, cfg["last"], 1, act=head_act, bn_eps=bn_eps))
    layers.append(ImageNetHead(cfg["last"], cfg.get("hidden", 0), head_act))
    return nn.Sequential(*layers)


# mobilenetv2: (c, n, s) of torchvision's 7 stages (expansion 1 in the first, 6 after)
MOBILENETV2_STAGES = [(16, 1, 1), (24, 2, 2), (32, 3, 2), (64, 4, 2), (96, 3, 1), (160, 3, 2),
                      (320, 1, 1)]


def sample_mobilenetv2(rng):
    width = rng.choice([0.35, 0.5, 0.75, 1.0, 1.25, 1.4])
    stem = make_divisible(32 * width)
    blocks = _mobile_config(rng, MOBILENETV2_STAGES, width, per_block=True,
                            first_fixed=True)
    blocks = _finish_mobile(blocks, stem, lambda cin, e: make_divisible(e / 4))
    return {"width": width, "stem": stem, "blocks": blocks,
            "last": make_divisible(1280 * max(1.0, width))}


def build_mobilenetv2(cfg, input_shape):
    return _build_mobile(cfg, input_shape, "relu6", "relu6", "relu", "sigmoid", "relu6")


# mobilenetv3: torchvision's small and large configs, grouped into stages of equal width
MOBILENETV3_STAGES = {
    # (c, n, s, act) ; the first stage is the expansion-1 block
    "small": [(16, 1, 2, "relu"), (24, 2, 2, "relu"), (40, 3, 2, "hswish"), (48, 2, 1, "hswish"),
              (96, 3, 2, "hswish")],
    "large": [(16, 1, 1, "relu"), (24, 2, 2, "relu"), (40, 3, 2, "relu"), (80, 4, 2, "hswish"),
              (112, 2, 1, "hswish"), (160, 3, 2, "hswish")],
}
MOBILENETV3_HEAD = {"small": (576, 1024), "large": (960, 1280)}


def sample_mobilenetv3(rng):
    arch = rng.choice(["small", "large"])
    width = rng.choice([0.5, 0.75, 1.0, 1.25])
    stages = MOBILENETV3_STAGES[arch]
    blocks = _mobile_config(rng, [(c, n, s) for c, n, s, _ in stages], width, per_block=True,
                            first_fixed=True, act_of_stage=[a for _, _, _, a in stages])
    if arch == "small":
        blocks[0]["se"] = True  # the first block of the small model has SE
    # In V3 SE is a per-block choice (torchvision's configs switch it block by block).
    for block in blocks[1:]:
        block["se"] = rng.random() < 0.5
    stem = make_divisible(16 * width)
    blocks = _finish_mobile(blocks, stem, lambda cin, e: make_divisible(e / 4))
    last, hidden = MOBILENETV3_HEAD[arch]
    return {"arch": arch, "width": width, "stem": stem, "blocks": blocks,
            "last": make_divisible(last * width), "hidden": hidden}


def build_mobilenetv3(cfg, input_shape):
    return _build_mobile(cfg, input_shape, "hswish", "hswish", "relu", "hardsigmoid", "hswish",
                         bn_eps=1e-3)


# mnasnet (B1, torchvision): (c, n, s) of the 6 stacks after the separable stem
MNASNET_STAGES = [(24, 3, 2), (40, 3, 2), (80, 3, 2), (96, 2, 1), (192, 4, 2), (320, 1, 1)]


def sample_mnasnet(rng):
    width = rng.choice([0.5, 0.75, 1.0, 1.3])
    stem, sep = make_divisible(32 * width), make_divisible(16 * width)
    blocks = _mobile_config(rng, MNASNET_STAGES, width, per_block=False, first_fixed=False,
                            e_choices=(3, 4, 6))
    blocks = _finish_mobile(blocks, sep, lambda cin, e: make_divisible(e / 4))
    return {"width": width, "stem": stem, "stem_out": sep, "blocks": blocks, "last": 1280}


def build_mnasnet(cfg, input_shape):
    stem, sep = cfg["stem"], cfg["stem_out"]
    cfg = dict(cfg, prefix=[conv_bn_act(stem, stem, 3, groups=stem, bn_eps=1e-5),
                            conv_bn_act(stem, sep, 1, act=None)])
    return _build_mobile(cfg, input_shape, "relu", "relu", "relu", "sigmoid", "relu")


# efficientb0: (c, n, s) of EfficientNet-B0's 7 stages (expansion 1 in the first, 6 after)
EFFICIENTNET_STAGES = [(16, 1, 1), (24, 2, 2), (40, 2, 2), (80, 3, 2), (112, 3, 1), (192, 4, 2),
                       (320, 1, 1)]


def sample_efficientb0(rng):
    width = rng.choice([0.5, 0.75, 1.0, 1.1, 1.25])
    stem = make_divisible(32 * width)
    blocks = _mobile_config(rng, EFFICIENTNET_STAGES, width, per_block=False,
                            first_fixed=False, e_choices=(3, 4, 6))
    # The first stage keeps expansion 1 and SE (EfficientNet's MBConv1); depth and kernel vary.
    first_c = blocks[0]["c"]
    for block in blocks:
        if block["c"] != first_c:
            break
        block["t"], block["se"] = 1, True
    # SE squeezes to a quarter of the block's input width (EfficientNet's rule).
    blocks = _finish_mobile(blocks, stem, lambda cin, e: max(1, cin // 4))
    return {"width": width, "stem": stem, "blocks": blocks,
            "last": make_divisible(1280 * max(1.0, width))}


def build_efficientb0(cfg, input_shape):
    return _build_mobile(cfg, input_shape, "silu", "silu", "silu", "sigmoid", "silu", bn_eps=1e-3)


# --------------------------------------------------------------------------------------------
# nasbench201: a random NB201 cell (5 ops on 6 edges) in the NB201 macro skeleton, with
# C (stem channels) in {8, 16, 24, 32} and N (cells per stage) in 1..5

NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


def sample_nasbench201(rng):
    ops = [rng.choice(NB201_OPS) for _ in range(6)]
    arch = "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*ops)
    return {"arch": arch, "C": rng.choice([8, 16, 24, 32]), "N": rng.randint(1, 5)}


def _relu_conv_bn(cin, cout, k, stride):
    return nn.Sequential(nn.ReLU(inplace=False),
                         nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, bias=False),
                         nn.BatchNorm2d(cout))


class _Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)  # as NAS-Bench-201's own code computes the "none" edge


class _NB201Cell(nn.Module):
    EDGES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]  # (to, from) in arch-string order

    def __init__(self, ops, c):
        super().__init__()
        modules = []
        for op in ops:
            if op == "none":
                modules.append(_Zero())
            elif op == "skip_connect":
                modules.append(nn.Identity())
            elif op == "nor_conv_1x1":
                modules.append(_relu_conv_bn(c, c, 1, 1))
            elif op == "nor_conv_3x3":
                modules.append(_relu_conv_bn(c, c, 3, 1))
            else:
                modules.append(nn.AvgPool2d(3, 1, 1, count_include_pad=False))
        self.ops = nn.ModuleList(modules)

    def forward(self, x):
        nodes = [x]
        for to in (1, 2, 3):
            terms = [op(nodes[src]) for (dst, src), op in zip(self.EDGES, self.ops) if dst == to]
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            nodes.append(total)
        return nodes[3]


class _NB201Reduction(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv_a = _relu_conv_bn(cin, cout, 3, 2)
        self.conv_b = _relu_conv_bn(cout, cout, 3, 1)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False))

    def forward(self, x):
        return self.downsample(x) + self.conv_b(self.conv_a(x))


def parse_nb201(arch):
    return [tok.split("~")[0] for tok in arch.replace("+", "").split("|") if tok]


def build_nasbench201(cfg, input_shape):
    c, n, ops = cfg["C"], cfg["N"], parse_nb201(cfg["arch"])
    layers = [nn.Conv2d(input_shape[0], c, 3, 1, 1, bias=False), nn.BatchNorm2d(c)]
    for stage in range(3):
        width = c * 2 ** stage
        if stage:
            layers.append(_NB201Reduction(width // 2, width))
        layers += [_NB201Cell(ops, width) for _ in range(n)]
    layers += [nn.BatchNorm2d(4 * c), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1), nn.Flatten(1),
               nn.Linear(4 * c, CIFAR_CLASSES)]
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------

# Families a build can name besides NNLQP's ten (never part of the default build): eight
# families with the patterns NNLQP's lack (modern.py: dense concatenation, channel shuffle,
# LayerNorm, GELU, attention, ...), and single operators over a grid of shapes, extra training
# data for unseen families (kernels.py); and the published torchvision networks, fixed, as a
# check set that never trains (published.py). modern.py builds on the blocks above, so it is
# imported here, after them.
from . import modern, published  # noqa: E402

EXTRA_FAMILIES = modern.MODERN_FAMILIES + ["kernels", "torchvision"]
ALL_FAMILIES = FAMILIES + EXTRA_FAMILIES

SAMPLERS = {name: globals()["sample_" + name] for name in FAMILIES}
BUILDERS = {name: globals()["build_" + name] for name in FAMILIES}
SAMPLERS.update(modern.SAMPLERS)
BUILDERS.update(modern.BUILDERS)
SAMPLERS["kernels"] = kernels.sample
BUILDERS["kernels"] = kernels.build
BUILDERS["torchvision"] = published.build

# What varies, for --help, protocol.json and SOURCES.md.
VARIANT_SPACES = {
    "alexnet": "per conv: width x{0.25..1.5} of 64/192/384/256/256, kernel {7,9,11} (stride-4 "
               "stem), {3,5,7} (conv2), {3,5} (conv3-5); 2 hidden FC widths {1024,2048,3072,4096}",
    "mnasnet": "width x{0.5,0.75,1,1.3}; per stack (6): depth 1..base+1, kernel {3,5,7}, expansion "
               "{3,4,6}, SE on/off (MnasNet's factorized per-stage space)",
    "mobilenetv2": "width x{0.35..1.4}; per stage (6 after the t=1 stage): depth 1..base+1, SE "
                   "on/off; per block kernel {3,5,7}, expansion {3,4,6}",
    "resnet18": "stem kernel {3,5,7}, stem width x{0.25..1.5} of 64; per stage: width x{0.25..1.5} "
                "of 64/128/256/512, blocks 1..3; per block inner width x{0.5,0.75,1,1.25}",
    "squeezenet": "version 1_0/1_1 (pool positions), stem kernel {3,5,7} and width; per fire (8): "
                  "squeeze x{0.5..2}, expand1x1 and expand3x3 x{0.5..1.5}",
    "vgg16": "per stage (5): width x{0.125..1} of 64/128/256/512/512, convs 1..2 (stages 1-2) "
             "or 1..3 (stages 3-5); 2 hidden FC widths {1024,2048,4096}",
    "efficientb0": "width x{0.5,0.75,1,1.1,1.25}; per stage (7): depth 1..base+1, kernel {3,5,7}, "
                   "expansion {3,4,6} (stage 1: 1), SE on/off (stage 1: on)",
    "googlenet": "stem kernel {3,5,7} and widths; inception modules per stage 1..2 / 2..5 / 1..2; "
                 "per module 6 branch widths x{0.5..1.5}, '5x5' branch kernel {3,5}",
    "mobilenetv3": "small or large; width x{0.5,0.75,1,1.25}; per stage depth 1..base+1; per block "
                   "kernel {3,5,7}, expansion {3,4,6}, SE on/off",
    "nasbench201": "NB201 cell (one of 5 ops on each of 6 edges: 15,625 cells), C {8,16,24,32}, "
                   "N (cells per stage) 1..5; stem, residual reductions and head of NB201",
    **modern.VARIANT_SPACES,
    "kernels": kernels.SPACE,
    "torchvision": published.SPACE,
}


def default_resolution(family):
    return 32 if family == "nasbench201" else 224


def variants(family, n, seed, resolutions=None, batches=None):
    """The first ``n`` variants of ``family`` for ``seed``: a list of config dicts.

    Each config holds the architecture and its "input" shape [3, R, R]; R is drawn (seeded) from
    ``resolutions`` when that lists several values, else fixed (default 224, 32 for NB201). A
    kernel config brings its own input shape. When ``batches`` lists several batch sizes, each
    config also gets a drawn "batch" (configs of a single batch size carry none, so builds
    from before batches were drawn keep their configs).
    Duplicates within a family are re-drawn, so all ``n`` configs differ.
    """
    if family == "torchvision":
        return published.variants(n)
    if family not in SAMPLERS:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(ALL_FAMILIES)}")
    resolutions = list(resolutions or [default_resolution(family)])
    batches = list(batches or [])
    seen, configs = set(), []
    for idx in range(n):
        for attempt in range(1000):
            rng = random.Random(f"narformer-latency:{seed}:{family}:{idx}:{attempt}")
            cfg = SAMPLERS[family](rng)
            res = resolutions[0]
            if len(resolutions) > 1:
                key = f"narformer-latency:{seed}:{family}:{idx}:{attempt}:res"
                res = random.Random(key).choice(resolutions)
            cfg = {"input": [3, res, res], **cfg}
            if len(batches) > 1:
                key = f"narformer-latency:{seed}:{family}:{idx}:{attempt}:batch"
                cfg = {"batch": random.Random(key).choice(batches), **cfg}
            key = json.dumps(cfg, sort_keys=True)
            if key not in seen:
                break
        else:
            raise RuntimeError(f"{family}: could not draw {n} distinct variants")
        seen.add(key)
        configs.append(cfg)
    return configs


def build(family, cfg):
    """The eval-mode PyTorch model of a config."""
    model = BUILDERS[family](cfg, cfg["input"])
    return model.eval()
