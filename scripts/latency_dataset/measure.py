"""Latency measurement: the protocol, the calibration workload and the machine record.

Protocol (one model; every number is a field of ``Protocol`` and is written to protocol.json):

1. The model runs in eval mode under ``torch.inference_mode()`` on the chosen device, with a
   fixed number of intra-op threads (CPU), batch ``B`` of random input. Flush-to-zero is on, so
   denormal weights cannot slow a model down.
2. Warm-up: at least ``warmup_runs`` forwards and at least ``warmup_s`` seconds.
3. ``rounds`` rounds; each times the calibration workload ``cal_runs`` times, the model ``n``
   times (``n`` chosen from the warm-up so a round lasts about ``round_s``, within
   ``min_runs``..``max_runs``), then the calibration workload ``cal_runs`` times again. The
   round's ratio is the model's median time over the mean of the two calibration medians.
4. The model's result is the median ratio over the rounds, with its dispersion (median absolute
   deviation of the round ratios, relative), and the raw times (median and minimum of all
   forwards, in ms) for reference.

The label in gt.txt is ``ratio x calibration reference``, the reference being the median of the
calibration workload's time over the whole pass-1 build (its long-run time on this machine): on a
shared machine whose speed drifts, the ratio to a workload timed just before and after cancels
most of the drift (see shared/design/measuring.md).
"""

import dataclasses
import os
import platform
import statistics
import time

import torch
from torch import nn


@dataclasses.dataclass
class Protocol:
    warmup_runs: int = 3
    warmup_s: float = 0.2
    rounds: int = 5
    round_s: float = 0.1
    min_runs: int = 3
    max_runs: int = 30
    cal_runs: int = 3

    def as_dict(self):
        return dataclasses.asdict(self)


class Calibration(nn.Module):
    """The fixed calibration workload: a small conv block (~60 M multiply-adds).

    A 3x3 conv, BN, ReLU, a depthwise 3x3, BN, ReLU and a 1x1 conv on a 1x32x56x56 input: the
    operator mix of the measured models, about 1-3 ms on one desktop core. Its weights come from a
    fixed seed so every machine runs the same numbers.
    """

    INPUT = (1, 32, 56, 56)

    def __init__(self):
        super().__init__()
        gen = torch.Generator().manual_seed(20240601)
        self.body = nn.Sequential(
            nn.Conv2d(32, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, 1, 1, groups=64, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 1, bias=False))
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.rand(p.shape, generator=gen) * 0.1)
        self.eval()

    def forward(self, x):
        return self.body(x)

    @classmethod
    def example_input(cls):
        return torch.rand(cls.INPUT, generator=torch.Generator().manual_seed(1))


class Timer:
    """Wall-clock timing of a callable on a device (synchronising CUDA around each run)."""

    def __init__(self, device):
        self.device = torch.device(device)
        self.cuda = self.device.type == "cuda"

    def times_ms(self, fn, n):
        out = []
        for _ in range(n):
            if self.cuda:
                torch.cuda.synchronize(self.device)
            start = time.perf_counter()
            fn()
            if self.cuda:
                torch.cuda.synchronize(self.device)
            out.append((time.perf_counter() - start) * 1e3)
        return out


def setup_runtime(device, threads):
    """Fixes threads and numerics for the whole process; call once before measuring."""
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set (e.g. a second call in the same process)
    torch.set_flush_denormal(True)
    if torch.device(device).type == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: this torch has no CUDA (torch.cuda.is_available() is "
                             "False)")
        torch.backends.cudnn.benchmark = False


class Measurer:
    """Measures models with the interleaved-calibration protocol on one device."""

    def __init__(self, device="cpu", protocol=None):
        self.device = torch.device(device)
        self.protocol = protocol or Protocol()
        self.timer = Timer(self.device)
        self.cal = Calibration().to(self.device)
        self.cal_x = Calibration.example_input().to(self.device)
        with torch.inference_mode():
            self._cal_run = lambda: self.cal(self.cal_x)
            self.timer.times_ms(self._cal_run, 10)  # warm the calibration workload up once

    def calibration_ms(self, runs):
        with torch.inference_mode():
            return statistics.median(self.timer.times_ms(self._cal_run, runs))

    def measure(self, model, input_shape, batch_size=1, seed=0):
        """Returns a dict of the measurement of one model (see the module docstring)."""
        p = self.protocol
        model = model.to(self.device).eval()
        gen = torch.Generator().manual_seed(seed)
        x = torch.rand((batch_size, *input_shape), generator=gen).to(self.device)
        with torch.inference_mode():
            run = lambda: model(x)  # noqa: E731
            warm, start = [], time.perf_counter()
            while len(warm) < p.warmup_runs or time.perf_counter() - start < p.warmup_s:
                warm += self.timer.times_ms(run, 1)
            est = statistics.median(warm[len(warm) // 2:])
            n = int(min(p.max_runs, max(p.min_runs, round(p.round_s * 1e3 / max(est, 1e-3)))))
            ratios, times, cal_times = [], [], []
            for _ in range(p.rounds):
                before = self.timer.times_ms(self._cal_run, p.cal_runs)
                t = self.timer.times_ms(run, n)
                after = self.timer.times_ms(self._cal_run, p.cal_runs)
                cal = (statistics.median(before) + statistics.median(after)) / 2
                ratios.append(statistics.median(t) / cal)
                times += t
                cal_times += before + after
        ratio = statistics.median(ratios)
        mad = statistics.median(abs(r - ratio) for r in ratios)
        return {
            "ratio": ratio,
            "ratio_mad_rel": mad / ratio,
            "ms_median": statistics.median(times),
            "ms_min": min(times),
            "cal_ms": statistics.median(cal_times),
            "runs_per_round": n,
            "rounds": p.rounds,
            "warmup_runs": len(warm),
        }


class CpuMonitor:
    """How much CPU other processes used while we measured (Linux /proc; None elsewhere).

    ``start()`` then ``stop()`` returns {"others_cores", "steal_cores", "others_ticks"}: the CPU
    time of every process but this one, and the time the hypervisor gave to other guests, each
    divided by the wall time (1.0 = one core fully busy), and the raw count of clock ticks (the
    kernel counts in ticks of 1/SC_CLK_TCK s, so a short window is uncertain by a tick or two).
    On a shared machine a measurement taken while others ran is not the model's latency: the
    builder re-measures it once the machine is quiet.
    """

    def __init__(self):
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.available = self._read() is not None
        self._start = None

    @staticmethod
    def _read():
        try:
            with open("/proc/stat") as f:
                cpu = [int(v) for v in f.readline().split()[1:]]
            with open("/proc/self/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            own = int(fields[11]) + int(fields[12])  # utime + stime of all our threads
        except (OSError, ValueError, IndexError):
            return None
        # user nice system idle iowait irq softirq steal (guest time is inside user)
        busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6]
        steal = cpu[7] if len(cpu) > 7 else 0
        return time.perf_counter(), busy, own, steal

    def start(self):
        self._start = self._read()

    def stop(self):
        end = self._read()
        if self._start is None or end is None:
            return None
        wall = max(end[0] - self._start[0], 1e-6) * self.tick
        others = (end[1] - self._start[1]) - (end[2] - self._start[2])
        return {"others_cores": max(0.0, others / wall),
                "steal_cores": max(0.0, (end[3] - self._start[3]) / wall),
                "others_ticks": others}

    def sample(self, seconds):
        """Others' CPU use over an idle wait of ``seconds``."""
        self.start()
        time.sleep(seconds)
        return self.stop()


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return {"avx2": "avx2" in flags, "avx512f": "avx512f" in flags,
                            "hypervisor": "hypervisor" in flags}
    except OSError:
        pass
    return {}


def machine_record(device, threads):
    """What was measured on: CPU, threads, OS, library versions (and the GPU for CUDA)."""
    import onnx  # noqa: PLC0415 (only for its version)
    try:
        import torchvision  # noqa: PLC0415
        tv = torchvision.__version__
    except ImportError:
        tv = None
    rec = {
        "device": torch.device(device).type,
        "cpu_model": _cpu_model(),
        "cpu_cores": os.cpu_count(),
        "cpu_flags": _cpu_flags(),
        "threads": torch.get_num_threads(),
        "threads_requested": threads,
        "interop_threads": torch.get_num_interop_threads(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": tv,
        "onnx": onnx.__version__,
        "mkldnn": torch.backends.mkldnn.is_available(),
        "parallel_backend": next((line.split(":", 1)[1].strip() for line in
                                  torch.__config__.parallel_info().splitlines()
                                  if line.startswith("ATen parallel backend")), None),
        "runtime": "PyTorch eager, float32, torch.inference_mode(), flush-denormal on",
    }
    if rec["device"] == "cuda":
        dev = torch.device(device)
        rec.update({"gpu": torch.cuda.get_device_name(dev), "cuda": torch.version.cuda,
                    "cudnn": torch.backends.cudnn.version(), "cudnn_benchmark": False})
    return rec


def same_platform(a, b):
    """Whether two machine records describe the same measurement setup (for resuming)."""
    keys = ["device", "cpu_model", "threads", "torch", "gpu", "runtime"]
    return all(a.get(k) == b.get(k) for k in keys)
