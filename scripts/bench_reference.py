#!/usr/bin/env -S /usr/bin/python3
"""The Python reference's cost, measured on this machine, for scripts/bench.sh (issue 7).

The original NAR-Former V2 code (PyTorch + PyTorch-Geometric) is not available offline, so
this is a re-implementation of its model (method.md §3) that keeps what decides its speed:
  * training and validation loop over graphs one at a time (method.md §3.9), for NB201 and
    for latency; the NB201 test batches cells of equal size;
  * the same layer shapes: 6 x 512 (NB201, 128-d tokens, fusion readout) and 2 x 512 (latency,
    152-d tokens + 40 static, sum readout), grouped FFN 512 -> 2048 -> 512 in 8 groups;
  * torch.optim.Adam, the relative-error + SR + consistency losses for NB201.
Dense per-graph attention replaces PyG's scatter operations (the same arithmetic).

  /usr/bin/python3 scripts/bench_reference.py MODE [--rounds R] [--threads T] [--seconds S]

MODE: nb201-train | latency-train | nb201-infer | latency-infer. Prints one JSON line per
figure (median, min, max over R rounds, threads, peak RSS) like build/bench_model.
"""
import argparse
import json
import random
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class GraphAttention(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.degree = nn.Linear(1, d_in)
        self.qk = nn.Linear(d_in, d_in)
        self.neighbour = nn.Linear(d_in, d_out)
        self.root = nn.Linear(d_in, d_out, bias=False)
        self.scale = d_in ** -0.5

    def forward(self, x, adj):  # one graph x (N, d), adj (N, N); or equal-size graphs (B, N, ...)
        x = x * torch.sigmoid(self.degree(adj.sum(-1, keepdim=True)))
        q = torch.sigmoid(self.qk(x))
        s = (q @ q.transpose(-1, -2)) * self.scale * adj
        p = s / (s.sum(-1, keepdim=True) + 1e-6)
        return F.normalize(self.neighbour(p @ x) + self.root(x), dim=-1)


class GroupedLinear(nn.Module):
    def __init__(self, d_in, d_out, groups=8):
        super().__init__()
        self.groups = groups
        self.weight = nn.Parameter(torch.empty(groups, d_in // groups, d_out // groups))
        self.bias = nn.Parameter(torch.zeros(groups, 1, d_out // groups))
        self.norm = nn.LayerNorm(d_out // groups)
        nn.init.xavier_uniform_(self.weight)

    def forward(self, x):  # (..., d_in)
        shape = x.shape
        x = x.reshape(-1, self.groups, shape[-1] // self.groups).transpose(0, 1)
        x = self.norm(torch.baddbmm(self.bias, x, self.weight))
        return x.transpose(0, 1).reshape(*shape[:-1], -1)


class Block(nn.Module):
    def __init__(self, d_in, d=512):
        super().__init__()
        self.attention = GraphAttention(d_in, d)
        self.norm = nn.LayerNorm(d)
        self.up, self.down = GroupedLinear(d, 4 * d), GroupedLinear(4 * d, d)
        self.gamma = nn.Parameter(1e-4 * torch.ones(d))

    def forward(self, x, adj):
        x = F.dropout(F.relu(self.attention(x, adj)), 0.05, self.training)
        h = F.dropout(F.relu(self.up(self.norm(x))), 0.05, self.training)
        return x + self.gamma * F.dropout(self.down(h), 0.05, self.training)


class Model(nn.Module):
    def __init__(self, d_in, blocks, static_dim=0, d=512):
        super().__init__()
        self.blocks = nn.ModuleList([Block(d_in if i == 0 else d, d) for i in range(blocks)])
        self.fusion = static_dim == 0
        if self.fusion:
            self.fuse = nn.Sequential(nn.Linear(blocks * d, blocks * d // 4), nn.ReLU(), nn.Linear(blocks * d // 4, blocks))
        else:
            self.static = nn.Linear(static_dim, d)
        head_in = d if self.fusion else 2 * d
        self.head = nn.Sequential(nn.Linear(head_in, d), nn.ReLU(), nn.Dropout(0.05), nn.Linear(d, d), nn.ReLU(),
                                  nn.Dropout(0.05), nn.Linear(d, 1))

    def forward(self, x, adj, static=None):  # one graph, or a batch of equal-size cells (B, N, d)
        means = []
        for block in self.blocks:
            x = block(x, adj)
            means.append(x.mean(-2))
        if self.fusion:
            stacked = torch.stack(means, -2)
            w = torch.sigmoid(self.fuse(stacked.flatten(-2)))
            h = (stacked * w.unsqueeze(-1)).sum(-2)
        else:
            h = torch.cat([x.sum(-2), F.relu(F.dropout(self.static(static), 0.05, self.training))], -1)
        return F.softplus(-self.head(h)).squeeze(-1)


def nb201_cell():
    adj = torch.zeros(8, 8)
    for i, j in [(0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7)]:
        adj[i, j] = adj[j, i] = 1
    return torch.randn(8, 128), adj


def graph(n):
    adj = torch.zeros(n, n)
    for i in range(n - 1):
        adj[i, i + 1] = adj[i + 1, i] = 1
    for i in range(0, n - 3, 4):
        adj[i, i + 3] = adj[i + 3, i] = 1
    return torch.randn(n, 152), adj, torch.randn(40)


def measure(args, what, unit, units, work):
    work()
    work()
    rates = []
    for _ in range(args.rounds):
        start, count = time.perf_counter(), 0
        while time.perf_counter() - start < args.seconds or count < 2:
            work()
            count += 1
        rates.append(units * count / (time.perf_counter() - start))
    rates.sort()
    print(json.dumps({"what": what, "unit": unit, "median": rates[len(rates) // 2], "min": rates[0], "max": rates[-1],
                      "rounds": args.rounds, "threads": torch.get_num_threads(),
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["nb201-train", "latency-train", "nb201-infer", "latency-infer"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    random.seed(0)
    label = " (Python reference loop)"

    if args.mode == "nb201-train":
        model = Model(128, 6)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)
        rows = [nb201_cell() for _ in range(16)]  # 8 cells + 8 augmented copies
        y = torch.rand(16) + 0.5

        def step():
            optimizer.zero_grad()
            p = torch.stack([model(x, a) for x, a in rows])  # one graph at a time
            perm = torch.randperm(16)
            loss = ((p / y - 1) ** 2).mean() + 0.1 * ((p - p[perm]) - (y - y[perm])).abs().mean() \
                + 0.5 * (p[8:] - p[:8]).abs().mean()
            loss.backward()
            optimizer.step()
        measure(args, "NB201 training, 6x512, batch 8 + 8 augmented, SR + consistency" + label, "archs/s", 8, step)
    elif args.mode == "latency-train":
        model = Model(152, 2, static_dim=40)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)
        graphs = [graph(random.randint(100, 175)) for _ in range(16)]
        y = torch.rand(16) + 0.5

        def step():
            optimizer.zero_grad()
            p = torch.stack([model(x, a, s) for x, a, s in graphs])
            ((p / y - 1) ** 2).mean().backward()
            optimizer.step()
        measure(args, "latency training, 2x512, batch 16, mean ~137 nodes" + label, "graphs/s", 16, step)
    elif args.mode == "nb201-infer":
        model = Model(128, 6).eval()
        for batch in (1, 8, 256):
            cells = [nb201_cell() for _ in range(batch)]
            x = torch.stack([c[0] for c in cells])
            a = torch.stack([c[1] for c in cells])
            with torch.no_grad():
                measure(args, f"NB201 inference, batch {batch}" + label, "archs/s", batch, lambda: model(x, a))
    else:
        model = Model(152, 2, static_dim=40).eval()
        with torch.no_grad():
            for n in (70, 289):
                x, a, s = graph(n)
                measure(args, f"latency inference, one graph of {n} nodes" + label, "graphs/s", 1,
                        lambda: model(x, a, s))
            graphs = [graph(random.randint(100, 175)) for _ in range(16)]
            measure(args, "latency inference, batch 16 (mean ~137 nodes)" + label, "graphs/s", 16,
                    lambda: [model(x, a, s) for x, a, s in graphs])


if __name__ == "__main__":
    main()
