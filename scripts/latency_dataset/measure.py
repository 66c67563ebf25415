"""Latency measurement: the protocol, the calibration workload and the machine record.

Protocol (one model; every number is a field of ``Protocol`` and is written to protocol.json):

1. The model runs in eval mode under ``torch.inference_mode()`` on the chosen device, with a
   fixed number of intra-op threads (CPU), batch ``B`` of random input. Flush-to-zero is on, so
   denormal weights cannot slow a model down. With ``keep_freed_memory`` (the default) glibc's
   malloc keeps freed memory in the process (``setup_runtime``), as a server running the model
   again and again does: by default it hands blocks of a few MB back to the system after
   every forward and takes them again, page faults included, and how often it does depends on
   what ran before. Measured at two threads and batch 4 on the 2-core VM, that made a
   network's first measurement up to 5x its second and put the mean difference between two
   passes at 22 %; keeping the memory took it to 4.5 %.
2. Warm-up: at least ``warmup_runs`` forwards and at least ``warmup_s`` seconds.
3. ``rounds`` rounds; each times the calibration workload ``cal_runs`` times, the model ``n``
   times (``n`` chosen from the warm-up so a round lasts about ``round_s``, within
   ``min_runs``..``max_runs``), then the calibration workload ``cal_runs`` times again. The
   round's ratio is the model's median time over the mean of the two calibration medians. With
   ``cal_at_batch`` (the default) the calibration workload runs at the model's batch size, so
   that both use the threads alike (at batch 1, a ~1 ms workload on two threads is mostly
   thread wake-ups, whose noise is not the model's); without it, at batch 1 (the same at B = 1).
4. The model's result is the median ratio over the rounds, with its dispersion (median absolute
   deviation of the round ratios, relative), and the raw times (median and minimum of all
   forwards, in ms) for reference.

The label in gt.txt is ``ratio x calibration reference``, the reference being the median of the
calibration workload's time over the whole pass-1 build (its long-run time on this machine): on a
shared machine whose speed drifts, the ratio to a workload timed just before and after cancels
most of the drift (see shared/design/measuring.md).
"""

import ctypes
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
    cal_at_batch: bool = True
    keep_freed_memory: bool = True

    def as_dict(self):
        return dataclasses.asdict(self)

    @staticmethod
    def matches(recorded, current, batch_size):
        """Whether a dataset's recorded protocol (protocol.json) is ``current``'s. Records from
        before a field existed were measured without it: calibration at batch 1 (the same as
        cal_at_batch when the batch is 1) and malloc's defaults."""
        legacy = {"cal_at_batch": batch_size == 1, "keep_freed_memory": False}
        return all(recorded.get(k, legacy.get(k)) == v for k, v in current.items())


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


def keep_freed_memory():
    """Makes glibc's malloc keep freed memory (as narformer's C++ does, src/core/allocator.cpp):
    blocks up to 32 MiB come from the heap, which is trimmed only past 1 GiB free. Returns
    whether it took effect (False off glibc)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    return (libc.mallopt(m_mmap_threshold, 32 << 20) == 1
            and libc.mallopt(m_trim_threshold, 1 << 30) == 1
            and libc.mallopt(m_top_pad, 64 << 20) == 1)


def setup_runtime(device, threads, protocol=None):
    """Fixes threads, numerics and memory for the whole process; call once before measuring."""
    if (protocol or Protocol()).keep_freed_memory and not keep_freed_memory():
        raise SystemExit("keep_freed_memory: this C library has no glibc mallopt; measure with "
                         "--malloc-default")
    if threads > 0:
        torch.set_num_threads(threads)
    # A second call would abort the process (LibTorch 1.13 terminates, it does not raise).
    if torch.get_num_interop_threads() != 1:
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass  # parallel work has started: too late to change
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
        self._cal_runs = {}  # batch size -> the calibration workload's forward at that batch
        self._calibration(1)

    def _calibration(self, batch_size):
        """The calibration workload's forward at this batch (batch 1 without cal_at_batch)."""
        batch_size = batch_size if self.protocol.cal_at_batch else 1
        if batch_size not in self._cal_runs:
            x = Calibration.example_input().repeat(batch_size, 1, 1, 1).to(self.device)
            run = lambda: self.cal(x)  # noqa: E731
            with torch.inference_mode():
                self.timer.times_ms(run, 10)  # warm it up once
            self._cal_runs[batch_size] = run
        return self._cal_runs[batch_size]

    def calibration_ms(self, runs, batch_size=1):
        run = self._calibration(batch_size)
        with torch.inference_mode():
            return statistics.median(self.timer.times_ms(run, runs))

    def measure(self, model, input_shape, batch_size=1, seed=0):
        """Returns a dict of the measurement of one model (see the module docstring)."""
        p = self.protocol
        model = model.to(self.device).eval()
        gen = torch.Generator().manual_seed(seed)
        x = torch.rand((batch_size, *input_shape), generator=gen).to(self.device)
        cal_run = self._calibration(batch_size)
        with torch.inference_mode():
            run = lambda: model(x)  # noqa: E731
            warm, start = [], time.perf_counter()
            while len(warm) < p.warmup_runs or time.perf_counter() - start < p.warmup_s:
                warm += self.timer.times_ms(run, 1)
            est = statistics.median(warm[len(warm) // 2:])
            n = int(min(p.max_runs, max(p.min_runs, round(p.round_s * 1e3 / max(est, 1e-3)))))
            ratios, times, cal_times = [], [], []
            for _ in range(p.rounds):
                before = self.timer.times_ms(cal_run, p.cal_runs)
                t = self.timer.times_ms(run, n)
                after = self.timer.times_ms(cal_run, p.cal_runs)
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
