"""Eight generated families for the connection patterns and operators NNLQP's ten lack.

NNLQP's families (families.py) are convolution stacks of 2015-2019: plain, residual, inception
and inverted-residual blocks with ReLU / ReLU6 / SiLU / hard-swish. Vision networks since then
add patterns none of them has; each family here re-samples one published network that has them:

    family        published base            patterns it brings
    densenet      DenseNet-121              dense concatenation (every layer reads all before it),
                                            pre-activation BN-ReLU-conv, average-pool transitions
    shufflenetv2  ShuffleNetV2 x1.0         channel split (chunk) and channel shuffle (reshape,
                                            transpose, reshape), two-branch downsampling
    convnext      ConvNeXt-T                large depthwise kernels (5-11), LayerNorm over
                                            channels (permutes), GELU, inverted bottleneck MLP as
                                            Linear layers, layer scale, patchify stem
    vit           ViT-B/16                  patch embedding, class token (concat), position
                                            embedding, multi-head attention (MatMul, Softmax),
                                            LayerNorm, GELU
    regnet        RegNetY-400MF             grouped 3x3 convolutions of fixed group width,
                                            squeeze-excitation on or off (RegNetY / RegNetX)
    resnext       ResNet-50 / ResNeXt-50    bottleneck blocks (1x1-3x3-1x1, expansion 4), grouped
                                            and wide variants
    ghostnet      GhostNet 1.0              ghost modules: a primary 1x1 conv, a cheap depthwise
                                            conv of its output, concat and slice; hard-sigmoid SE
    unet          U-Net                     encoder-decoder: upsampling (ConvTranspose, bilinear
                                            or nearest Resize), skip concatenation, dense output

The published networks themselves are never drawn: a variant re-samples widths, depths and
kernels (tests/scripts/test_modern_families.py checks that the base configs below, which equal
torchvision's models parameter for parameter, are not among the first variants).

The builders follow torchvision's module structure (and GhostNet's official code), so the
exported graphs look like exports of those models. Every config is a JSON-serialisable dict that
spells out every layer choice, as in families.py.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from .families import SqueezeExcitation, conv_bn_act, make_divisible

MODERN_FAMILIES = ["densenet", "shufflenetv2", "convnext", "vit", "regnet", "resnext", "ghostnet",
                   "unet"]

IMAGENET_CLASSES = 1000

# --------------------------------------------------------------------------------------------
# densenet: growth rate, bottleneck size, stem, layers per dense block

DENSENET_BLOCKS = [6, 12, 24, 16]
DENSENET121 = {"stem": {"c": 64, "k": 7}, "growth": 32, "bn_size": 4, "blocks": [6, 12, 24, 16]}


def sample_densenet(rng):
    return {"stem": {"c": rng.choice([32, 48, 64, 96]), "k": rng.choice([3, 5, 7])},
            "growth": rng.choice([12, 16, 24, 32, 40]), "bn_size": rng.choice([2, 4]),
            "blocks": [rng.randint(max(1, n // 4), n) for n in DENSENET_BLOCKS]}


class _DenseLayer(nn.Module):
    def __init__(self, cin, growth, bn_size):
        super().__init__()
        self.norm1, self.relu1 = nn.BatchNorm2d(cin), nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(cin, bn_size * growth, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(bn_size * growth), nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, 1, 1, bias=False)

    def forward(self, features):
        x = torch.cat(features, 1)  # torchvision's layer reads the list of all earlier maps
        return self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))


class _DenseBlock(nn.Module):
    def __init__(self, layers, cin, growth, bn_size):
        super().__init__()
        self.layers = nn.ModuleList(_DenseLayer(cin + i * growth, growth, bn_size)
                                    for i in range(layers))

    def forward(self, x):
        features = [x]
        for layer in self.layers:
            features.append(layer(features))
        return torch.cat(features, 1)


class _DenseNet(nn.Module):
    def __init__(self, cfg, cin):
        super().__init__()
        stem = cfg["stem"]
        layers = [nn.Conv2d(cin, stem["c"], stem["k"], 2, (stem["k"] - 1) // 2, bias=False),
                  nn.BatchNorm2d(stem["c"]), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)]
        c = stem["c"]
        for i, n in enumerate(cfg["blocks"]):
            layers.append(_DenseBlock(n, c, cfg["growth"], cfg["bn_size"]))
            c += n * cfg["growth"]
            if i != len(cfg["blocks"]) - 1:
                layers += [nn.BatchNorm2d(c), nn.ReLU(inplace=True),
                           nn.Conv2d(c, c // 2, 1, bias=False), nn.AvgPool2d(2, 2)]
                c //= 2
        layers.append(nn.BatchNorm2d(c))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c, IMAGENET_CLASSES)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(F.relu(self.features(x), inplace=True), (1, 1))
        return self.classifier(torch.flatten(x, 1))


def build_densenet(cfg, input_shape):
    return _DenseNet(cfg, input_shape[0])


# --------------------------------------------------------------------------------------------
# shufflenetv2: width multiplier, per-stage width, repeats and depthwise kernel

SHUFFLENET_WIDTHS = {0.5: [48, 96, 192, 1024], 1.0: [116, 232, 464, 1024],
                     1.5: [176, 352, 704, 1024], 2.0: [244, 488, 976, 2048]}
SHUFFLENET_REPEATS = [4, 8, 4]
SHUFFLENET_X1_0 = {"stem": 24, "stages": [{"c": 116, "n": 4, "k": 3}, {"c": 232, "n": 8, "k": 3},
                                          {"c": 464, "n": 4, "k": 3}], "last": 1024}


def sample_shufflenetv2(rng):
    widths = SHUFFLENET_WIDTHS[rng.choice(sorted(SHUFFLENET_WIDTHS))]
    stages = [{"c": 2 * max(8, round(c * rng.choice([0.75, 1.0, 1.25]) / 2)),
               "n": rng.randint(1, n + 1), "k": rng.choice([3, 5, 7])}
              for c, n in zip(widths[:3], SHUFFLENET_REPEATS)]
    return {"stem": rng.choice([16, 24, 32]), "stages": stages, "last": widths[3]}


def _channel_shuffle(x, groups):
    batch, channels, height, width = x.size()  # as torchvision: the export reads the shape
    x = x.view(batch, groups, channels // groups, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batch, -1, height, width)


class _ShuffleBlock(nn.Module):
    def __init__(self, cin, cout, stride, k):
        super().__init__()
        half = cout // 2
        self.stride = stride
        if stride > 1:
            self.branch1 = nn.Sequential(
                nn.Conv2d(cin, cin, k, stride, k // 2, groups=cin, bias=False),
                nn.BatchNorm2d(cin), nn.Conv2d(cin, half, 1, bias=False), nn.BatchNorm2d(half),
                nn.ReLU(inplace=True))
        self.branch2 = nn.Sequential(
            nn.Conv2d(cin if stride > 1 else half, half, 1, bias=False), nn.BatchNorm2d(half),
            nn.ReLU(inplace=True),
            nn.Conv2d(half, half, k, stride, k // 2, groups=half, bias=False),
            nn.BatchNorm2d(half), nn.Conv2d(half, half, 1, bias=False), nn.BatchNorm2d(half),
            nn.ReLU(inplace=True))

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return _channel_shuffle(out, 2)


class _ShuffleNetV2(nn.Module):
    def __init__(self, cfg, cin):
        super().__init__()
        layers = [conv_bn_act(cin, cfg["stem"], 3, 2), nn.MaxPool2d(3, 2, 1)]
        c = cfg["stem"]
        for stage in cfg["stages"]:
            for i in range(stage["n"]):
                layers.append(_ShuffleBlock(c, stage["c"], 2 if i == 0 else 1, stage["k"]))
                c = stage["c"]
        layers.append(conv_bn_act(c, cfg["last"], 1))
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cfg["last"], IMAGENET_CLASSES)

    def forward(self, x):
        return self.fc(self.features(x).mean([2, 3]))


def build_shufflenetv2(cfg, input_shape):
    return _ShuffleNetV2(cfg, input_shape[0])


# --------------------------------------------------------------------------------------------
# convnext: width, depth, depthwise kernel and MLP ratio per stage

CONVNEXT_DEPTHS = [3, 3, 9, 3]
CONVNEXT_TINY = {"stages": [{"c": c, "n": n, "k": 7, "mlp": 4}
                            for c, n in zip([96, 192, 384, 768], CONVNEXT_DEPTHS)]}


def sample_convnext(rng):
    base = make_divisible(96 * rng.choice([0.25, 0.375, 0.5, 0.625, 0.75]))
    return {"stages": [{"c": base * 2 ** i, "n": rng.randint(1, n), "k": rng.choice([5, 7, 9, 11]),
                        "mlp": rng.choice([2, 3, 4])} for i, n in enumerate(CONVNEXT_DEPTHS)]}


class _LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an NCHW map (torchvision's LayerNorm2d)."""

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class _ConvNeXtBlock(nn.Module):
    def __init__(self, c, k, mlp):
        super().__init__()
        self.dwconv = nn.Conv2d(c, c, k, padding=k // 2, groups=c)
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.fc1, self.act, self.fc2 = nn.Linear(c, mlp * c), nn.GELU(), nn.Linear(mlp * c, c)
        self.layer_scale = nn.Parameter(torch.full((c, 1, 1), 1e-6))

    def forward(self, x):
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.fc2(self.act(self.fc1(self.norm(y)))).permute(0, 3, 1, 2)
        return x + self.layer_scale * y


class _ConvNeXt(nn.Module):
    def __init__(self, cfg, cin):
        super().__init__()
        stages = cfg["stages"]
        layers = [nn.Conv2d(cin, stages[0]["c"], 4, 4), _LayerNorm2d(stages[0]["c"], eps=1e-6)]
        for i, stage in enumerate(stages):
            if i:
                layers += [_LayerNorm2d(stages[i - 1]["c"], eps=1e-6),
                           nn.Conv2d(stages[i - 1]["c"], stage["c"], 2, 2)]
            layers += [_ConvNeXtBlock(stage["c"], stage["k"], stage["mlp"])
                       for _ in range(stage["n"])]
        c = stages[-1]["c"]
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), _LayerNorm2d(c, eps=1e-6),
                                  nn.Flatten(1), nn.Linear(c, IMAGENET_CLASSES))

    def forward(self, x):
        return self.head(self.features(x))


def build_convnext(cfg, input_shape):
    return _ConvNeXt(cfg, input_shape[0])


# --------------------------------------------------------------------------------------------
# vit: patch size, width, depth, heads, MLP width

VIT_B_16 = {"patch": 16, "dim": 768, "depth": 12, "heads": 12, "mlp": 3072}


def sample_vit(rng):
    head_dim = rng.choice([32, 64])
    heads = rng.choice([3, 4, 6, 8]) if head_dim == 32 else rng.choice([3, 4, 6])
    dim = heads * head_dim
    return {"patch": rng.choice([16, 32]), "dim": dim, "depth": rng.randint(2, 8),
            "heads": heads, "mlp": dim * rng.choice([2, 3, 4])}


class _EncoderBlock(nn.Module):
    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim, eps=1e-6)
        self.self_attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp), nn.GELU(), nn.Dropout(0.0),
                                 nn.Linear(mlp, dim), nn.Dropout(0.0))

    def forward(self, x):
        y = self.ln_1(x)
        y, _ = self.self_attention(y, y, y, need_weights=False)
        x = x + y
        return x + self.mlp(self.ln_2(x))


class _VisionTransformer(nn.Module):
    def __init__(self, cfg, input_shape):
        super().__init__()
        dim, patch = cfg["dim"], cfg["patch"]
        tokens = (input_shape[1] // patch) * (input_shape[2] // patch)
        self.dim = dim
        self.conv_proj = nn.Conv2d(input_shape[0], dim, patch, patch)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.empty(1, tokens + 1, dim).normal_(std=0.02))
        self.layers = nn.Sequential(*[_EncoderBlock(dim, cfg["heads"], cfg["mlp"])
                                      for _ in range(cfg["depth"])])
        self.ln = nn.LayerNorm(dim, eps=1e-6)
        self.heads = nn.Linear(dim, IMAGENET_CLASSES)

    def forward(self, x):
        n = x.shape[0]
        x = self.conv_proj(x)
        x = x.reshape(n, self.dim, -1).permute(0, 2, 1)
        x = torch.cat([self.class_token.expand(n, -1, -1), x], dim=1) + self.pos_embedding
        x = self.ln(self.layers(x))
        return self.heads(x[:, 0])


def build_vit(cfg, input_shape):
    return _VisionTransformer(cfg, input_shape)


# --------------------------------------------------------------------------------------------
# regnet: width and depth per stage, group width, squeeze-excitation (Y) or not (X)

REGNET_WIDTHS, REGNET_DEPTHS = [48, 104, 208, 440], [1, 3, 6, 6]  # RegNetY-400MF
REGNET_Y_400MF = {"stem": 32, "group": 8, "se": 0.25,
                  "stages": [{"c": c, "n": n} for c, n in zip(REGNET_WIDTHS, REGNET_DEPTHS)]}


def sample_regnet(rng):
    group = rng.choice([8, 16, 24, 32, 48])
    scale = rng.choice([0.5, 0.75, 1.0, 1.5, 2.0])
    stages = [{"c": max(group, round(c * scale * rng.choice([0.75, 1.0, 1.25]) / group) * group),
               "n": rng.randint(1, n + 1)} for c, n in zip(REGNET_WIDTHS, REGNET_DEPTHS)]
    return {"stem": 32, "group": group, "se": rng.choice([0.0, 0.25]), "stages": stages}


class _RegNetBlock(nn.Module):
    def __init__(self, cin, cout, stride, group, se_ratio):
        super().__init__()
        self.proj = None
        if cin != cout or stride != 1:
            self.proj = conv_bn_act(cin, cout, 1, stride, act=None)
        layers = [conv_bn_act(cin, cout, 1), conv_bn_act(cout, cout, 3, stride, groups=cout // group)]
        if se_ratio:
            layers.append(SqueezeExcitation(cout, int(round(se_ratio * cin))))
        layers.append(conv_bn_act(cout, cout, 1, act=None))
        self.f = nn.Sequential(*layers)
        self.activation = nn.ReLU(inplace=True)

    def forward(self, x):
        shortcut = x if self.proj is None else self.proj(x)
        return self.activation(shortcut + self.f(x))


def build_regnet(cfg, input_shape):
    layers = [conv_bn_act(input_shape[0], cfg["stem"], 3, 2)]
    c = cfg["stem"]
    for stage in cfg["stages"]:
        for i in range(stage["n"]):
            layers.append(_RegNetBlock(c, stage["c"], 2 if i == 0 else 1, cfg["group"], cfg["se"]))
            c = stage["c"]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(c, IMAGENET_CLASSES)]
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------
# resnext: bottleneck ResNets: per-stage planes and blocks, cardinality and width per group

RESNEXT_PLANES, RESNEXT_BLOCKS = [64, 128, 256, 512], [3, 4, 6, 3]
RESNET50 = {"stem": {"c": 64, "k": 7}, "groups": 1, "base_width": 64,
            "stages": [{"planes": p, "n": n} for p, n in zip(RESNEXT_PLANES, RESNEXT_BLOCKS)]}
# (groups, width per group): ResNet, ResNeXt 32x4d and 16x4d / 8x8d, Wide ResNet (2x inner width)
RESNEXT_CARDINALITY = [(1, 64), (32, 4), (16, 4), (8, 8), (1, 128)]


def sample_resnext(rng):
    groups, base_width = rng.choice(RESNEXT_CARDINALITY)
    scale = rng.choice([0.25, 0.375, 0.5, 0.625, 0.75])
    stages = [{"planes": make_divisible(p * scale), "n": rng.randint(1, n)}
              for p, n in zip(RESNEXT_PLANES, RESNEXT_BLOCKS)]
    return {"stem": {"c": make_divisible(64 * scale), "k": rng.choice([3, 5, 7])},
            "groups": groups, "base_width": base_width, "stages": stages}


class _Bottleneck(nn.Module):
    def __init__(self, cin, planes, stride, groups, base_width):
        super().__init__()
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1, self.bn1 = nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != planes * 4:
            self.downsample = conv_bn_act(cin, planes * 4, 1, stride, act=None)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        return self.relu(self.bn3(self.conv3(y)) + identity)


def build_resnext(cfg, input_shape):
    stem = cfg["stem"]
    layers = [conv_bn_act(input_shape[0], stem["c"], stem["k"], 2), nn.MaxPool2d(3, 2, 1)]
    c = stem["c"]
    for s, stage in enumerate(cfg["stages"]):
        for i in range(stage["n"]):
            layers.append(_Bottleneck(c, stage["planes"], 2 if (s and not i) else 1,
                                      cfg["groups"], cfg["base_width"]))
            c = stage["planes"] * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(c, IMAGENET_CLASSES)]
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------
# ghostnet: width; per stage depth; per block kernel, expansion and SE (GhostNet's own code)

# (out channels, depth, stride) of GhostNet 1.0's stages after the stem, the 16-wide first.
GHOSTNET_STAGES = [(16, 1, 1), (24, 2, 2), (40, 2, 2), (80, 4, 2), (112, 2, 1), (160, 5, 2)]


def sample_ghostnet(rng):
    width = rng.choice([0.5, 0.75, 1.0, 1.3])
    stem = make_divisible(16 * width, 4)
    blocks, cin = [], stem
    for i, (c, depth, stride) in enumerate(GHOSTNET_STAGES):
        cout = make_divisible(c * width, 4)
        for b in range(1 if i == 0 else rng.randint(1, depth + 1)):
            blocks.append({"c": cout, "mid": make_divisible(cin * (1 if i == 0 else rng.choice(
                [2, 3, 4, 6])), 4), "k": rng.choice([3, 5, 7]), "s": stride if b == 0 else 1,
                           "se": rng.random() < 0.5})
            cin = cout
    return {"width": width, "stem": stem, "blocks": blocks,
            "last": make_divisible(960 * width, 4), "head": 1280}


def _hard_sigmoid(x):
    return F.relu6(x + 3.0) / 6.0  # GhostNet's gate


class _GhostSE(nn.Module):
    def __init__(self, c):
        super().__init__()
        squeeze = make_divisible(c * 0.25, 4)
        self.conv_reduce, self.conv_expand = nn.Conv2d(c, squeeze, 1), nn.Conv2d(squeeze, c, 1)

    def forward(self, x):
        s = F.relu(self.conv_reduce(F.adaptive_avg_pool2d(x, 1)), inplace=True)
        return x * _hard_sigmoid(self.conv_expand(s))


class _GhostModule(nn.Module):
    def __init__(self, cin, cout, relu):
        super().__init__()
        self.cout = cout
        init = math.ceil(cout / 2)
        act = [nn.ReLU(inplace=True)] if relu else []
        self.primary_conv = nn.Sequential(nn.Conv2d(cin, init, 1, bias=False),
                                          nn.BatchNorm2d(init), *act)
        self.cheap_operation = nn.Sequential(nn.Conv2d(init, init, 3, 1, 1, groups=init, bias=False),
                                             nn.BatchNorm2d(init), *act)

    def forward(self, x):
        x1 = self.primary_conv(x)
        out = torch.cat([x1, self.cheap_operation(x1)], dim=1)
        return out[:, :self.cout, :, :]


class _GhostBottleneck(nn.Module):
    def __init__(self, cin, mid, cout, k, stride, se):
        super().__init__()
        layers = [_GhostModule(cin, mid, relu=True)]
        if stride > 1:
            layers += [nn.Conv2d(mid, mid, k, stride, (k - 1) // 2, groups=mid, bias=False),
                       nn.BatchNorm2d(mid)]
        if se:
            layers.append(_GhostSE(mid))
        layers.append(_GhostModule(mid, cout, relu=False))
        self.body = nn.Sequential(*layers)
        self.shortcut = nn.Sequential()
        if cin != cout or stride != 1:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cin, k, stride, (k - 1) // 2, groups=cin, bias=False),
                nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


def build_ghostnet(cfg, input_shape):
    layers = [conv_bn_act(input_shape[0], cfg["stem"], 3, 2)]
    c = cfg["stem"]
    for block in cfg["blocks"]:
        layers.append(_GhostBottleneck(c, block["mid"], block["c"], block["k"], block["s"],
                                       block["se"]))
        c = block["c"]
    layers += [conv_bn_act(c, cfg["last"], 1), nn.AdaptiveAvgPool2d(1),
               nn.Conv2d(cfg["last"], cfg["head"], 1), nn.ReLU(inplace=True), nn.Flatten(1),
               nn.Dropout(0.2), nn.Linear(cfg["head"], IMAGENET_CLASSES)]
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------
# unet: depth, base width, upsampling, output classes (dense prediction at the input's size)

def sample_unet(rng):
    return {"depth": rng.choice([3, 4, 5]), "c": rng.choice([8, 12, 16]),
            "up": rng.choice(["transpose", "bilinear", "nearest"]),
            "classes": rng.choice([1, 2, 21])}


def _double_conv(cin, cout):
    return nn.Sequential(conv_bn_act(cin, cout, 3), conv_bn_act(cout, cout, 3))


class _Up(nn.Module):
    def __init__(self, cin, cout, mode):
        super().__init__()
        if mode == "transpose":
            self.up = nn.ConvTranspose2d(cin, cin // 2, 2, 2)
        else:
            self.up = nn.Sequential(
                nn.Upsample(scale_factor=2, mode=mode,
                            align_corners=False if mode == "bilinear" else None),
                nn.Conv2d(cin, cin // 2, 1))
        self.conv = _double_conv(cin, cout)

    def forward(self, x, skip):
        return self.conv(torch.cat([skip, self.up(x)], dim=1))


class _UNet(nn.Module):
    def __init__(self, cfg, cin):
        super().__init__()
        widths = [cfg["c"] * 2 ** i for i in range(cfg["depth"] + 1)]
        self.inc = _double_conv(cin, widths[0])
        self.downs = nn.ModuleList(nn.Sequential(nn.MaxPool2d(2), _double_conv(a, b))
                                   for a, b in zip(widths, widths[1:]))
        self.ups = nn.ModuleList(_Up(b, a, cfg["up"]) for a, b in zip(widths[::-1][1:],
                                                                       widths[::-1]))
        self.outc = nn.Conv2d(widths[0], cfg["classes"], 1)

    def forward(self, x):
        skips = [self.inc(x)]
        for down in self.downs:
            skips.append(down(skips[-1]))
        x = skips.pop()
        for up in self.ups:
            x = up(x, skips.pop())
        return self.outc(x)


def build_unet(cfg, input_shape):
    return _UNet(cfg, input_shape[0])


# --------------------------------------------------------------------------------------------

SAMPLERS = {name: globals()["sample_" + name] for name in MODERN_FAMILIES}
BUILDERS = {name: globals()["build_" + name] for name in MODERN_FAMILIES}

# The published network each family re-samples, as a config of its builder (the test checks
# that each has torchvision's parameter count; ghostnet and unet have no torchvision model).
PUBLISHED = {"densenet": ("densenet121", DENSENET121),
             "shufflenetv2": ("shufflenet_v2_x1_0", SHUFFLENET_X1_0),
             "convnext": ("convnext_tiny", CONVNEXT_TINY), "vit": ("vit_b_16", VIT_B_16),
             "regnet": ("regnet_y_400mf", REGNET_Y_400MF), "resnext": ("resnet50", RESNET50)}

VARIANT_SPACES = {
    "densenet": "stem width {32,48,64,96} and kernel {3,5,7}; growth {12,16,24,32,40}; "
                "bottleneck x{2,4}; layers per block n/4..n of 6/12/24/16",
    "shufflenetv2": "x{0.5,1,1.5,2} widths, each stage x{0.75,1,1.25}; repeats 1..n+1 of 4/8/4; "
                    "depthwise kernel {3,5,7} per stage; stem {16,24,32}",
    "convnext": "width x{0.25..0.75} of 96/192/384/768; per stage depth 1..n of 3/3/9/3, "
                "depthwise kernel {5,7,9,11}, MLP ratio {2,3,4}",
    "vit": "patch {16,32}; head dim {32,64} x heads {3,4,6,(8)}; depth 2..8; MLP ratio {2,3,4}",
    "regnet": "group width {8,16,24,32,48}; widths x{0.5..2} of RegNetY-400MF's 48/104/208/440, "
              "each x{0.75,1,1.25}; depth 1..n+1 of 1/3/6/6; SE 0.25 (Y) or none (X)",
    "resnext": "cardinality x width per group {1x64, 32x4, 16x4, 8x8, 1x128 (wide)}; planes "
               "x{0.25..0.75} of 64/128/256/512; blocks 1..n of 3/4/6/3; stem kernel {3,5,7}",
    "ghostnet": "width x{0.5,0.75,1,1.3}; per stage depth 1..n+1 of GhostNet's 2/2/4/2/5; per "
                "block kernel {3,5,7}, expansion {2,3,4,6}, hard-sigmoid SE on/off",
    "unet": "depth {3,4,5}; base width {8,12,16} doubling per level; upsampling by "
            "ConvTranspose, bilinear or nearest Resize + 1x1 conv; {1,2,21} output maps",
}
