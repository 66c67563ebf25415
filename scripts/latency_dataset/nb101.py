"""The NAS-Bench-101 network of a cell, in PyTorch, as NAS-Bench-101 builds it for CIFAR-10.

Follows nasbench/lib/model_builder.py (Ying et al., 2019): a 3x3 conv-BN-ReLU stem of 128
channels; three stacks of three cells, a 2x2 max-pool (stride 2) before the second and third
stack, which double the channels; global average pooling and a dense layer of 10 classes. Inside
a cell each vertex's channels come from ``vertex_channels`` (the cell's output channels are
split among the vertices that feed the output, the rest take the widest of their successors);
a vertex sums its predecessors (the cell input through a 1x1 conv-BN-ReLU projection, other
vertices truncated to its channels); the output concatenates the vertices that feed it and adds
the projected input where the input feeds the output directly. Weights are random: only the
latency of the network matters here.
"""

import torch
from torch import nn

STEM_CHANNELS = 128
STACKS = 3
CELLS_PER_STACK = 3
CLASSES = 10
INPUT_SHAPE = (3, 32, 32)


def vertex_channels(input_channels, output_channels, matrix):
    """Channels of every vertex (NAS-Bench-101's compute_vertex_channels)."""
    n = len(matrix)
    channels = [0] * n
    channels[0], channels[n - 1] = input_channels, output_channels
    if n == 2:  # the input feeds the output directly
        return channels
    in_degree = sum(matrix[v][n - 1] for v in range(1, n))
    interior, correction = divmod(output_channels, in_degree)
    for v in range(1, n - 1):
        if matrix[v][n - 1]:
            channels[v] = interior + (1 if correction > 0 else 0)
            correction -= 1 if correction > 0 else 0
    for v in range(n - 3, 0, -1):
        if not matrix[v][n - 1]:
            for dst in range(v + 1, n - 1):
                if matrix[v][dst]:
                    channels[v] = max(channels[v], channels[dst])
        if channels[v] <= 0:
            raise ValueError(f"vertex {v} of the cell has no channels (a dangling vertex)")
    return channels


def conv_bn_relu(in_channels, out_channels, kernel):
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2,
                                   bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=False))


def vertex_op(op, channels):
    if op == "conv3x3-bn-relu":
        return conv_bn_relu(channels, channels, 3)
    if op == "conv1x1-bn-relu":
        return conv_bn_relu(channels, channels, 1)
    if op == "maxpool3x3":
        return nn.MaxPool2d(3, stride=1, padding=1)
    raise ValueError(f"unknown NAS-Bench-101 operation '{op}'")


class Cell(nn.Module):
    def __init__(self, matrix, ops, in_channels, out_channels):
        super().__init__()
        self.matrix = matrix
        n = len(matrix)
        self.channels = vertex_channels(in_channels, out_channels, matrix)
        # The input's projection to each vertex it feeds (the output included).
        self.projections = nn.ModuleDict({
            str(v): conv_bn_relu(in_channels, self.channels[v], 1)
            for v in range(1, n) if matrix[0][v]})
        self.ops = nn.ModuleList([nn.Identity()] + [vertex_op(ops[v], self.channels[v])
                                                    for v in range(1, n - 1)])

    def forward(self, x):
        n = len(self.matrix)
        values = [x]
        for v in range(1, n - 1):
            terms = [values[src][:, :self.channels[v]] for src in range(1, v)
                     if self.matrix[src][v]]
            if self.matrix[0][v]:
                terms.append(self.projections[str(v)](x))
            values.append(self.ops[v](sum(terms)))
        outputs = [values[v] for v in range(1, n - 1) if self.matrix[v][n - 1]]
        if not outputs:
            return self.projections[str(n - 1)](x)
        out = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=1)
        if self.matrix[0][n - 1]:
            out = out + self.projections[str(n - 1)](x)
        return out


class NasBench101Network(nn.Module):
    def __init__(self, matrix, ops):
        super().__init__()
        layers = [conv_bn_relu(INPUT_SHAPE[0], STEM_CHANNELS, 3)]
        channels = STEM_CHANNELS
        for stack in range(STACKS):
            if stack > 0:
                layers.append(nn.MaxPool2d(2, stride=2))
            out_channels = STEM_CHANNELS * 2 ** stack
            for _ in range(CELLS_PER_STACK):
                layers.append(Cell(matrix, ops, channels, out_channels))
                channels = out_channels
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels, CLASSES)

    def forward(self, x):
        return self.classifier(self.features(x).mean(dim=(2, 3)))


def parse_cell(adjacency_rowmajor, ops):
    """A cell of the shipped NB101 table: the row-major 0/1 string and the '|'-joined ops."""
    names = ops.split("|")
    n = len(names)
    if len(adjacency_rowmajor) != n * n or set(adjacency_rowmajor) - {"0", "1"}:
        raise ValueError(f"adjacency '{adjacency_rowmajor}' is not a {n}x{n} 0/1 matrix")
    matrix = [[int(adjacency_rowmajor[i * n + j]) for j in range(n)] for i in range(n)]
    if names[0] != "input" or names[-1] != "output":
        raise ValueError(f"ops '{ops}' must start with input and end with output")
    return matrix, names
