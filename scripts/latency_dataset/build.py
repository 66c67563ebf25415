"""Builds a measured latency dataset in the NNLQP layout (see scripts/build_latency_dataset.py).

Output folder:

    gt.txt               NNLQP lines:
                         GraphID OnnxPath BatchSize Latency_ms ModelType PlatformId Stage
    onnx/<family>/<family>_<idx>.onnx      weight-free ONNX (or onnx.tar.xz after --pack)
    architectures.jsonl  one line per exported model: config, parameter count, ONNX bytes, sha256
    measurements.csv     one row per measurement (pass 1 = the labels, pass 2 = the noise check)
    protocol.json        dataset settings, the measurement protocol and each platform's machine
    platforms.yaml       the platform ids of gt.txt (a readable view of protocol.json)
    noise.json           the second pass against the first: relative differences per model
    summary.md           the dataset in numbers (per-family latency ranges, noise, machine)
    import_check.json    with --check-import: narformer's importer over every ONNX file

Everything the run learns is appended and flushed model by model (architectures.jsonl,
measurements.csv, ONNX files written atomically); gt.txt, platforms.yaml, protocol.json and
noise.json are derived from them and rewritten. An interrupted run (Ctrl-C, SIGTERM, a crash)
continues where it stopped when the same command is run again. A rerun must keep the settings
that define the models (seed, generator version, batch, resolutions); it may add families or
raise --per-family (the stage column is then re-derived for the larger set).

With --batch-sizes, each model's batch is drawn from a list (gt.txt's BatchSize column then
varies per line) and the calibration workload runs at batch 1 for every model, so that one
calibration time turns every ratio into ms.
"""

import argparse
import csv
import gc
import hashlib
import io
import json
import math
import os
import signal
import subprocess
import sys
import tarfile
import time

from . import families as fam

DEFAULT_PER_FAMILY = 5
FULL_PER_FAMILY = 200
PACK_NAME = "onnx.tar.xz"

CSV_FIELDS = ["name", "family", "idx", "platform", "pass", "batch", "ratio", "ratio_mad_rel",
              "ms_median", "ms_min", "cal_ms", "runs_per_round", "rounds", "warmup_runs",
              "others_cores", "steal_cores", "attempts", "measure_s", "measured_at"]

# Settings that define which models exist and what their files hold: a resumed run must agree.
DEFINING = ["generator_version", "seed", "batch_size", "batch_sizes", "resolutions",
            "cell_resolution", "opset"]


def _stable_int(*parts):
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "little") & 0x7FFFFFFFFFFFFFFF


def _atomic_write(path, data):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _append_line(path, line):
    """Appends one line and makes it durable (repairs a torn last line of a crashed run first)."""
    needs_newline = False
    if os.path.exists(path) and os.path.getsize(path) > 0:
        with open(path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            needs_newline = f.read(1) != b"\n"
    with open(path, "a") as f:
        if needs_newline:
            f.write("\n")
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def percentile(values, q):
    """Linear-interpolation percentile (q in 0..100) of a non-empty list."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def to_yaml(value, indent=0):
    """A small block-style YAML writer for dicts / lists / scalars (no PyYAML needed)."""
    pad = "  " * indent
    lines = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:")
                lines.append(to_yaml(v, indent + 1))
            else:
                lines.append(f"{pad}{k}: {_yaml_scalar(v)}")
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, (dict, list)) and v:
                inner = to_yaml(v, indent + 1).lstrip()
                lines.append(f"{pad}- {inner}")
            else:
                lines.append(f"{pad}- {_yaml_scalar(v)}")
    return "\n".join(lines)


def _yaml_scalar(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (dict, list)):
        return "{}" if isinstance(v, dict) else "[]"
    return json.dumps(str(v))


class Model:
    """One variant: family, index, config; file names relative to the dataset root."""

    def __init__(self, family, idx, config):
        self.family, self.idx, self.config = family, idx, config
        self.name = f"{family}_{idx:04d}"
        self.rel_path = f"onnx/{family}/{self.name}.onnx"

    def batch(self, settings):
        """The batch this model is measured at: its drawn one, else the dataset's."""
        return self.config.get("batch", settings["batch_size"])


class Dataset:
    """The output folder and its append-only records."""

    def __init__(self, out):
        self.out = out
        self.gt = os.path.join(out, "gt.txt")
        self.csv = os.path.join(out, "measurements.csv")
        self.arch = os.path.join(out, "architectures.jsonl")
        self.protocol = os.path.join(out, "protocol.json")
        self.platforms = os.path.join(out, "platforms.yaml")
        self.noise = os.path.join(out, "noise.json")
        self.pack = os.path.join(out, PACK_NAME)
        self.import_check = os.path.join(out, "import_check.json")
        self.summary = os.path.join(out, "summary.md")

    def path(self, model):
        return os.path.join(self.out, model.rel_path)

    def read_protocol(self):
        if not os.path.exists(self.protocol):
            return None
        with open(self.protocol) as f:
            return json.load(f)

    def read_arch(self):
        records = {}
        if os.path.exists(self.arch):
            with open(self.arch) as f:
                for line in f:
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a torn last line of a crashed run
                    records[rec["name"]] = rec
        return records

    def read_measurements(self):
        """{(name, platform, pass): row}; rows torn by a crash are ignored."""
        rows = {}
        if os.path.exists(self.csv):
            with open(self.csv, newline="") as f:
                for row in csv.DictReader(f):
                    if None in row or any(row.get(k) is None for k in CSV_FIELDS) or any(
                            row[k] == "" for k in CSV_FIELDS if k not in ("others_cores",
                                                                          "steal_cores")):
                        continue
                    try:
                        for k in ("ratio", "ratio_mad_rel", "ms_median", "ms_min", "cal_ms",
                                  "others_cores", "steal_cores", "measure_s"):
                            row[k] = float(row[k]) if row[k] != "" else float("nan")
                        for k in ("idx", "platform", "pass", "batch", "runs_per_round", "rounds",
                                  "warmup_runs", "attempts"):
                            row[k] = int(row[k])
                    except ValueError:
                        continue
                    rows[(row["name"], row["platform"], row["pass"])] = row
        return rows

    def append_measurement(self, row):
        if not os.path.exists(self.csv) or os.path.getsize(self.csv) == 0:
            _append_line(self.csv, ",".join(CSV_FIELDS))
        buf = io.StringIO()
        row = {k: "" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        csv.DictWriter(buf, CSV_FIELDS, lineterminator="").writerow(row)
        _append_line(self.csv, buf.getvalue())

    def unpack_if_needed(self):
        """Extracts onnx.tar.xz when the onnx/ folder is missing (a shipped, packed dataset)."""
        if os.path.exists(self.pack) and not os.path.isdir(os.path.join(self.out, "onnx")):
            unpack(self.pack, self.out)
            return True
        return False


# ---------------------------------------------------------------------------------------------
# Packing: a reproducible tar.xz of the onnx/ folder

def pack(out_dir, files):
    """Writes out_dir/onnx.tar.xz of ``files`` (relative to out_dir); byte-reproducible."""
    target = os.path.join(out_dir, PACK_NAME)
    tmp = f"{target}.tmp.{os.getpid()}"
    dirs = sorted({os.path.dirname(f) for f in files} |
                  {os.path.dirname(os.path.dirname(f)) for f in files} - {""})
    with tarfile.open(tmp, "w:xz", format=tarfile.PAX_FORMAT, preset=9) as tar:
        for name in dirs + sorted(files):
            full = os.path.join(out_dir, name)
            info = tar.gettarinfo(full, arcname=name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            info.mode = 0o755 if info.isdir() else 0o644
            info.pax_headers = {}
            if info.isdir():
                tar.addfile(info)
            else:
                with open(full, "rb") as f:
                    tar.addfile(info, f)
    os.replace(tmp, target)
    return target


def unpack(archive, out_dir):
    """Extracts an onnx.tar.xz made by pack() into out_dir (only onnx/... members)."""
    with tarfile.open(archive, "r:xz") as tar:
        members = tar.getmembers()
        for m in members:
            norm = os.path.normpath(m.name)
            inside = norm == "onnx" or norm.startswith("onnx" + os.sep)
            if not inside or not (m.isfile() or m.isdir()):
                raise SystemExit(f"{archive}: unexpected member {m.name!r}")
        tar.extractall(out_dir, members=members)
    return len([m for m in members if m.isfile()])


# ---------------------------------------------------------------------------------------------
# Export

def export_model(model, seed):
    """Builds, exports and strips one variant; returns (onnx bytes, record)."""
    import torch  # noqa: PLC0415
    from .export import export_weight_free, jitter_parameters  # noqa: PLC0415

    torch.manual_seed(_stable_int(seed, model.name, "export"))
    t0 = time.perf_counter()
    module = fam.build(model.family, model.config)
    jitter_parameters(module)
    x = torch.randn(1, *model.config["input"])
    proto = export_weight_free(module, x, "narformer scripts/build_latency_dataset.py")
    data = proto.SerializeToString()
    record = {
        "name": model.name, "family": model.family, "idx": model.idx,
        "onnx": model.rel_path, "input": model.config["input"],
        "parameters": sum(p.numel() for p in module.parameters()),
        "operators": len(proto.graph.node), "onnx_bytes": len(data),
        "onnx_sha256": hashlib.sha256(data).hexdigest(),
        "export_s": round(time.perf_counter() - t0, 3),
        "config": model.config,
    }
    return data, record


def ensure_exported(ds, model, arch, seed):
    """Exports ``model`` unless its file and record exist; checks a re-export is byte-identical."""
    path = ds.path(model)
    rec = arch.get(model.name)
    if rec is not None and rec["config"] != model.config:
        raise SystemExit(f"{ds.arch}: {model.name} was recorded with another architecture; the "
                         f"generator changed since this folder was built: use another --out")
    if rec is not None and os.path.exists(path):
        return rec
    data, new = export_model(model, seed)
    if rec is not None and rec["onnx_sha256"] != new["onnx_sha256"]:
        print(f"warning: {model.name}: re-exported ONNX differs from the recorded one "
              f"(another torch/onnx version?); keeping the new file", file=sys.stderr)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if rec is None or rec["onnx_sha256"] != new["onnx_sha256"]:
        _append_line(ds.arch, json.dumps(new, sort_keys=True))
    _atomic_write(path, data)
    arch[model.name] = new
    return new


# ---------------------------------------------------------------------------------------------
# Derived files

def stages(models_by_family, seed, test_fraction):
    """{name: 'train'|'test'}: per family the round(fraction * n) models with the smallest seeded
    keys are 'test' (NNLQP-style exact per-family split, reproducible from the seed)."""
    out = {}
    for family, models in models_by_family.items():
        n_test = int(math.floor(test_fraction * len(models) + 0.5))
        if test_fraction > 0 and len(models) > 1:
            n_test = max(1, n_test)  # a small set still gets a test model per family
        ranked = sorted(models, key=lambda m: _stable_int(seed, "stage", m.name))
        test = {m.name for m in ranked[:n_test]}
        for m in models:
            out[m.name] = "test" if m.name in test else "train"
    return out


def noise_selection(models, seed, fraction):
    """The seeded random subset (ceil(fraction * n), at least 1 when fraction > 0) re-measured
    in pass 2; a larger fraction extends a smaller one's subset."""
    if fraction <= 0 or not models:
        return []
    k = min(len(models), max(1, math.ceil(fraction * len(models))))
    return sorted(models, key=lambda m: _stable_int(seed, "noise", m.name))[:k]


def calibration_reference(rows, platform, fixed=None):
    """The calibration workload's long-run time that turns ratios into ms labels: the median
    over this build's pass 1, or ``fixed`` (--calibration-reference-ms: another build's, so that
    the two datasets' labels share one scale)."""
    if fixed:
        return fixed
    cals = [r["cal_ms"] for (_, p, ps), r in rows.items() if p == platform and ps == 1]
    return percentile(cals, 50) if cals else None


def label_ms(row, cal_ref):
    return row["ratio"] * cal_ref


def write_gt(ds, models, stage_of, rows, platforms, settings, fixed_ref=None):
    lines = []
    for platform in sorted(platforms):
        cal_ref = calibration_reference(rows, platform, fixed_ref)
        for m in models:
            row = rows.get((m.name, platform, 1))
            if row is None:
                continue
            lines.append(f"{len(lines) + 1:05d} {m.rel_path} {m.batch(settings)} "
                         f"{label_ms(row, cal_ref):.5f} {m.family} {platform} {stage_of[m.name]}")
    _atomic_write(ds.gt, "\n".join(lines) + ("\n" if lines else ""))
    return len(lines)


def noise_stats(rows, platform, cal_ref):
    per_model = []
    for (name, p, ps), r2 in sorted(rows.items()):
        if p != platform or ps != 2 or (name, p, 1) not in rows:
            continue
        r1 = rows[(name, p, 1)]
        per_model.append({
            "name": name, "family": r1["family"],
            "pass1_ms": round(label_ms(r1, cal_ref), 5),
            "pass2_ms": round(label_ms(r2, cal_ref), 5),
            "rel_diff": abs(r2["ratio"] - r1["ratio"]) / r1["ratio"],
            "raw_rel_diff": abs(r2["ms_median"] - r1["ms_median"]) / r1["ms_median"],
            "pass1_at": r1["measured_at"], "pass2_at": r2["measured_at"],
        })
    if not per_model:
        return None

    def summary(key):
        xs = [m[key] for m in per_model]
        return {"median": percentile(xs, 50), "p90": percentile(xs, 90),
                "mean": sum(xs) / len(xs), "max": max(xs)}

    disp = [r["ratio_mad_rel"] for (_, p, ps), r in rows.items() if p == platform and ps == 1]
    return {
        "platform": platform, "models": len(per_model),
        "definition": "|pass2 - pass1| / pass1 per model; labels: the calibrated ratio (what "
                      "gt.txt holds); raw: the median forward time in ms without calibration",
        "label_rel_diff": summary("rel_diff"), "raw_ms_rel_diff": summary("raw_rel_diff"),
        "within_model_dispersion_median": percentile(disp, 50) if disp else None,
        "per_model": per_model,
    }


def _rounded(value, digits=4):
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    return value


def write_derived(ds, settings, models, rows, stage_of, platforms_info, arch=None):
    """Rewrites gt.txt, protocol.json, platforms.yaml and noise.json from the records."""
    platforms = sorted(platforms_info, key=int)
    noise = {}
    for pid in platforms:
        info = platforms_info[pid]
        cal_ref = calibration_reference(rows, int(pid), settings.get("calibration_reference_ms"))
        info["calibration_reference_ms"] = None if cal_ref is None else round(cal_ref, 5)
        info["measured_pass1"] = sum(1 for (_, p, ps) in rows if p == int(pid) and ps == 1)
        info["measured_pass2"] = sum(1 for (_, p, ps) in rows if p == int(pid) and ps == 2)
        stats = noise_stats(rows, int(pid), cal_ref) if cal_ref else None
        if stats:
            noise[pid] = stats
            info["noise"] = _rounded({k: stats[k] for k in (
                "models", "label_rel_diff", "raw_ms_rel_diff", "within_model_dispersion_median")})
    n = write_gt(ds, models, stage_of, rows, [int(p) for p in platforms], settings,
                 settings.get("calibration_reference_ms"))
    proto = {"dataset": settings, "platforms": platforms_info}
    _atomic_write(ds.protocol, json.dumps(proto, indent=1, sort_keys=True) + "\n")
    yaml_doc = {"platforms": {}}
    for pid in platforms:
        info = platforms_info[pid]
        yaml_doc["platforms"][int(pid)] = {
            "name": info["name"], "device": info["machine"]["device"],
            "machine": info["machine"], "protocol": info["protocol"],
            "batch_size": settings["batch_size"],
            "calibration_reference_ms": info.get("calibration_reference_ms"),
            "label": "ratio to the calibration workload x calibration_reference_ms (ms)",
            "noise": info.get("noise", {}),
        }
    header = ("# Platform ids of gt.txt (6th column); written by the latency builder.\n"
              "# protocol.json holds the same and the dataset settings.\n")
    _atomic_write(ds.platforms, header + to_yaml(yaml_doc) + "\n")
    if noise:
        _atomic_write(ds.noise, json.dumps(noise, indent=1, sort_keys=True) + "\n")
    if arch is not None:
        _atomic_write(ds.summary, summary_markdown(settings, models, rows, platforms_info, arch))
    return n


# ---------------------------------------------------------------------------------------------
# Import check with narformer's own importer

def check_import(ds, models, binary, chunk=200):
    """`narformer inspect --json` over every file, `chunk` files per process (loading LibTorch
    costs ~0.4 s a process, a file ~1 ms)."""
    failures, unknown, missing, nodes = [], {}, 0, {}
    for start in range(0, len(models), chunk):
        part = models[start:start + chunk]
        proc = subprocess.run([binary, "inspect", *[ds.path(m) for m in part], "--json"],
                              capture_output=True, text=True)
        by_file = {}
        for line in proc.stdout.splitlines():
            try:
                info = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(info, dict) and "file" in info:
                by_file[info["file"]] = info
        for m in part:
            info = by_file.get(ds.path(m))
            if info is None or "error" in info:
                failures.append({"onnx": m.rel_path, "rc": proc.returncode,
                                 "error": (info or {}).get("error", proc.stderr.strip()[-500:])})
                continue
            for op in info.get("unknown_ops", []):
                unknown[op] = unknown.get(op, 0) + 1
            missing += 1 if info.get("missing_shapes", 0) else 0
            lo, hi = nodes.get(m.family, (info["nodes"], info["nodes"]))
            nodes[m.family] = (min(lo, info["nodes"]), max(hi, info["nodes"]))
        print(f"  import check: {start + len(part)}/{len(models)}", flush=True)
    report = {"binary": binary, "files": len(models), "failures": failures,
              "unknown_ops": unknown, "files_with_missing_shapes": missing,
              "nodes_per_family": {k: list(v) for k, v in nodes.items()}}
    _atomic_write(ds.import_check, json.dumps(report, indent=1, sort_keys=True) + "\n")
    return report


# ---------------------------------------------------------------------------------------------

def parse_args(argv):
    from .measure import Protocol  # noqa: PLC0415 (torch-free dataclass defaults)
    p = Protocol()
    spaces = "\n".join(f"  {k:12s} {v}" for k, v in fam.VARIANT_SPACES.items())
    parser = argparse.ArgumentParser(
        prog="build_latency_dataset.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Generate NNLQP-style variants of 10 model families, export them as "
                    "weight-free ONNX, measure their latency on this machine and write an NNLQP "
                    "dataset (gt.txt + onnx/). Resumable: rerun the same command after an "
                    "interruption.",
        epilog="examples:\n"
               "  /usr/bin/python3 scripts/build_latency_dataset.py --out /tmp/latency_small\n"
               "  /usr/bin/python3 scripts/build_latency_dataset.py --out data/latency_cpu --full "
               "--threads 1 --check-import build/narformer\n\n"
               "variant spaces (x = multiple of the published width, rounded to 8):\n" + spaces)
    parser.add_argument("--out", required=True,
                        help="dataset folder (created; resumed if it exists)")
    parser.add_argument("--per-family", type=int, default=None,
                        help=f"variants per family (default {DEFAULT_PER_FAMILY}; "
                             f"{FULL_PER_FAMILY} with --full)")
    parser.add_argument("--full", action="store_true",
                        help=f"the full set: {FULL_PER_FAMILY} per family, then --pack")
    parser.add_argument("--families", default=",".join(fam.FAMILIES),
                        help="comma-separated subset of: " + ",".join(fam.ALL_FAMILIES)
                             + " (kernels: single operators over a grid of shapes, never in the "
                             "default)")
    parser.add_argument("--seed", type=int, default=0,
                        help="draws the variants, the stages and the noise subset")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="intra-op threads on the CPU (default: all cores, %(default)s here)")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--batch-sizes", default=None,
                        help="several batch sizes (e.g. 1,2,4), one drawn per model; implies "
                             "--cal-batch-1")
    parser.add_argument("--resolutions", default="224",
                        help="input resolution of the ImageNet families; several (e.g. "
                             "160,192,224) are drawn per variant")
    parser.add_argument("--cell-resolution", type=int, default=32,
                        help="input resolution of the nasbench201 cell networks")
    parser.add_argument("--stage-test-fraction", type=float, default=0.1,
                        help="share of each family marked 'test' in gt.txt (seeded)")
    parser.add_argument("--noise-fraction", type=float, default=0.05,
                        help="share of models re-measured in a second pass (0 = none)")
    parser.add_argument("--noise-only", action="store_true",
                        help="run only the second (noise) pass, e.g. later on another day")
    parser.add_argument("--calibration-reference-ms", type=float, default=None,
                        help="turn ratios into ms with this calibration time instead of this "
                             "build's median (e.g. data/latency_cpu's 1.014, so that a kernels "
                             "build's labels share that dataset's scale)")
    parser.add_argument("--platform-id", type=int, default=1, help="6th column of gt.txt")
    parser.add_argument("--platform-name", default=None, help="default: derived from the machine")
    parser.add_argument("--export-only", action="store_true",
                        help="export the ONNX files and architectures.jsonl, measure nothing")
    parser.add_argument("--pack", action="store_true",
                        help=f"write {PACK_NAME} of the onnx/ folder at the end")
    parser.add_argument("--unpack", action="store_true",
                        help=f"extract OUT/{PACK_NAME} into OUT/onnx and exit")
    parser.add_argument("--check-import", metavar="NARFORMER", default=None,
                        help="at the end, run NARFORMER inspect --json on every ONNX file and "
                             "write import_check.json (non-zero exit on any failure)")
    g = parser.add_argument_group("protocol (per model)")
    g.add_argument("--warmup-runs", type=int, default=p.warmup_runs)
    g.add_argument("--warmup-s", type=float, default=p.warmup_s)
    g.add_argument("--rounds", type=int, default=p.rounds)
    g.add_argument("--round-s", type=float, default=p.round_s,
                   help="target duration of a round's model runs")
    g.add_argument("--min-runs", type=int, default=p.min_runs)
    g.add_argument("--max-runs", type=int, default=p.max_runs)
    g.add_argument("--cal-runs", type=int, default=p.cal_runs,
                   help="calibration runs before and after each round")
    g.add_argument("--cal-batch-1", action="store_true",
                   help="run the calibration workload at batch 1 whatever --batch-size says "
                        "(builds before the calibration ran at the model's batch)")
    g.add_argument("--malloc-default", action="store_true",
                   help="leave glibc's malloc at its defaults (builds before it kept freed "
                        "memory; see measure.py)")
    g.add_argument("--max-busy", type=float, default=0.2,
                   help="if other processes used more than this many cores while a model was "
                        "measured, wait until the machine is quiet and measure it again "
                        "(negative: never wait; default %(default)s)")
    args = parser.parse_args(argv)
    if args.per_family is None:
        args.per_family = FULL_PER_FAMILY if args.full else DEFAULT_PER_FAMILY
    if args.full:
        args.pack = True
    args.families = [f.strip() for f in args.families.split(",") if f.strip()]
    for f in args.families:
        if f not in fam.ALL_FAMILIES:
            parser.error(f"--families: unknown family {f!r}; known: "
                         f"{', '.join(fam.ALL_FAMILIES)}")
    try:
        args.resolutions = sorted({int(r) for r in args.resolutions.split(",")})
    except ValueError:
        parser.error(f"--resolutions: expected integers, got {args.resolutions!r}")
    if args.batch_sizes is not None:
        try:
            args.batch_sizes = sorted({int(b) for b in args.batch_sizes.split(",")})
        except ValueError:
            parser.error(f"--batch-sizes: expected integers, got {args.batch_sizes!r}")
        if min(args.batch_sizes) < 1:
            parser.error("--batch-sizes must be >= 1")
        args.cal_batch_1 = True  # one calibration time for every batch
    if args.per_family < 1 or args.batch_size < 1 or args.threads < 1 or args.rounds < 1:
        parser.error("--per-family, --batch-size, --threads and --rounds must be >= 1")
    if not 0 <= args.stage_test_fraction <= 1 or not 0 <= args.noise_fraction <= 1:
        parser.error("fractions must lie in 0..1")
    return args


def _settings(args):
    from .export import OPSET  # noqa: PLC0415
    return {
        "generator_version": fam.GENERATOR_VERSION, "seed": args.seed,
        "batch_size": args.batch_size, "batch_sizes": args.batch_sizes,
        "resolutions": args.resolutions,
        "cell_resolution": args.cell_resolution, "opset": OPSET,
        "per_family": args.per_family, "families": args.families,
        "stage_test_fraction": args.stage_test_fraction, "noise_fraction": args.noise_fraction,
        "calibration_reference_ms": args.calibration_reference_ms,
        "variant_spaces": {f: fam.VARIANT_SPACES[f] for f in args.families},
        "onnx": "weight-free (float initializers keep name, dtype and dims, no data), opset 13, "
                "dynamic batch axis, BatchNormalization kept (training=PRESERVE)",
    }


def _merge_settings(old, new):
    """Checks a resumed folder was built with the same defining settings; merges the rest."""
    if old is None:
        return new
    diff = [k for k in DEFINING if old.get(k) != new.get(k)]
    if diff:
        details = ", ".join(f"{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in diff)
        raise SystemExit(f"the output folder was built with other settings ({details}); use "
                         f"the same settings or another --out")
    merged = dict(new)
    families = set(old.get("families", [])) | set(new["families"])
    merged["families"] = [f for f in fam.ALL_FAMILIES if f in families]
    merged["per_family"] = max(old.get("per_family", 0), new["per_family"])
    merged["variant_spaces"] = {f: fam.VARIANT_SPACES[f] for f in merged["families"]}
    return merged


def _format_eta(seconds):
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def wait_until_quiet(monitor, max_busy, window_s=2.0, quiet_windows=3, report_s=60.0):
    """Sleeps until other processes use at most ``max_busy`` cores for ``quiet_windows`` windows."""
    quiet, waited, last_report = 0, 0.0, -report_s
    while quiet < quiet_windows:
        busy = monitor.sample(window_s)
        waited += window_s
        if busy is None:
            return waited
        is_quiet = busy["others_cores"] <= max_busy
        quiet = quiet + 1 if is_quiet else 0
        if not is_quiet and waited - last_report >= report_s:
            last_report = waited
            print(f"  machine busy: other processes use {busy['others_cores']:.2f} cores "
                  f"(> --max-busy {max_busy}); waiting ({_format_eta(waited)} so far)", flush=True)
    return waited


class _NoMonitor:
    available = False

    def start(self):
        pass

    def stop(self):
        return None

    def sample(self, seconds):
        return None


def main(argv=None, measurer=None, machine=None, monitor=None):
    """Runs the builder; ``measurer`` / ``machine`` / ``monitor`` replace the real ones in tests."""
    from .measure import Protocol  # noqa: PLC0415 (as parse_args)
    args = parse_args(argv)
    ds = Dataset(args.out)
    os.makedirs(args.out, exist_ok=True)
    if args.unpack:
        if not os.path.exists(ds.pack):
            raise SystemExit(f"{ds.pack}: not found")
        print(f"unpacked {unpack(ds.pack, args.out)} files into {os.path.join(args.out, 'onnx')}")
        return 0
    if ds.unpack_if_needed():
        print(f"unpacked {ds.pack}")

    old = ds.read_protocol()
    settings = _merge_settings(old["dataset"] if old else None, _settings(args))
    platforms_info = dict(old["platforms"]) if old else {}

    # Every model of the dataset (all families in the settings), and the ones this run handles.
    by_family = {}
    for f in settings["families"]:
        res = [settings["cell_resolution"]] if f == "nasbench201" else settings["resolutions"]
        configs = fam.variants(f, settings["per_family"], settings["seed"], res,
                               settings.get("batch_sizes"))
        by_family[f] = [Model(f, i, c) for i, c in enumerate(configs)]
    all_models = [m for f in settings["families"] for m in by_family[f]]
    todo = [m for f in args.families for m in by_family[f][:args.per_family]]
    stage_of = stages(by_family, settings["seed"], settings["stage_test_fraction"])
    arch = ds.read_arch()
    rows = ds.read_measurements()
    pid = args.platform_id

    interrupted = []

    def on_term(signum, frame):  # SIGTERM behaves like Ctrl-C: stop after a durable record
        raise KeyboardInterrupt

    previous_handler = signal.signal(signal.SIGTERM, on_term)
    started = time.time()
    try:
        if args.export_only:
            for i, m in enumerate(todo):
                ensure_exported(ds, m, arch, settings["seed"])
                if (i + 1) % 50 == 0 or i + 1 == len(todo):
                    print(f"exported {i + 1}/{len(todo)}", flush=True)
        else:
            if measurer is None:
                from . import measure  # noqa: PLC0415
                protocol = measure.Protocol(args.warmup_runs, args.warmup_s, args.rounds,
                                            args.round_s, args.min_runs, args.max_runs,
                                            args.cal_runs, cal_at_batch=not args.cal_batch_1,
                                            keep_freed_memory=not args.malloc_default)
                measure.setup_runtime(args.device, args.threads, protocol)
                measurer = measure.Measurer(args.device, protocol)
                machine = measure.machine_record(args.device, args.threads)
                monitor = monitor or measure.CpuMonitor()
                same = measure.same_platform
            else:
                same = lambda a, b: a == b  # noqa: E731
            if monitor is None or not monitor.available:
                monitor = _NoMonitor()
            info = platforms_info.get(str(pid))
            protocol_dict = measurer.protocol.as_dict()
            if info is not None and (not same(info["machine"], machine) or not Protocol.matches(
                    info["protocol"], protocol_dict, settings["batch_size"])):
                raise SystemExit(
                    f"platform {pid} of {args.out} was measured on another setup "
                    f"({info['name']}, protocol {info['protocol']}); use --platform-id "
                    f"{max(int(p) for p in platforms_info) + 1} to add this machine as a new "
                    f"platform, the same protocol options, or another --out")
            if info is None:
                name = args.platform_name or (
                    f"{machine['device']}-{machine.get('gpu') or machine['cpu_model']}-"
                    f"{machine['threads']}t-torch{machine['torch']}".replace(" ", "_"))
                info = {"name": name, "machine": machine, "protocol": protocol_dict,
                        "first_measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
                platforms_info[str(pid)] = info
            if args.platform_name:
                info["name"] = args.platform_name

            def run_pass(models, pass_no):
                pending = [m for m in models if (m.name, pid, pass_no) not in rows]
                if not pending:
                    return
                label = "pass 1 (labels)" if pass_no == 1 else "pass 2 (noise check)"
                print(f"{label}: {len(pending)} to measure, {len(models) - len(pending)} done "
                      f"before", flush=True)
                t_pass = time.time()
                for i, m in enumerate(pending):
                    ensure_exported(ds, m, arch, settings["seed"])
                    import torch  # noqa: PLC0415
                    torch.manual_seed(_stable_int(settings["seed"], m.name, "weights"))
                    module = fam.build(m.family, m.config)
                    for attempt in range(1, 1000):
                        t0 = time.perf_counter()
                        monitor.start()
                        res = measurer.measure(module, m.config["input"], m.batch(settings),
                                               seed=_stable_int(settings["seed"], m.name, "input"))
                        busy = monitor.stop()
                        # A tick or two of others' time is the counters' resolution, not load.
                        if (busy is None or args.max_busy < 0
                                or busy["others_cores"] <= args.max_busy
                                or busy.get("others_ticks", 99) <= 2):
                            break
                        print(f"  {m.name}: other processes used {busy['others_cores']:.2f} cores "
                              f"while it was measured; measuring again when the machine is quiet",
                              flush=True)
                        wait_until_quiet(monitor, args.max_busy)
                    row = {"name": m.name, "family": m.family, "idx": m.idx, "platform": pid,
                           "pass": pass_no, "batch": m.batch(settings),
                           "measure_s": round(time.perf_counter() - t0, 3),
                           "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
                    for k in ("ratio", "ratio_mad_rel", "ms_median", "ms_min", "cal_ms"):
                        row[k] = float(f"{res[k]:.6g}")
                    for k in ("runs_per_round", "rounds", "warmup_runs"):
                        row[k] = int(res[k])
                    row["attempts"] = attempt
                    for k in ("others_cores", "steal_cores"):
                        row[k] = float("nan") if busy is None else round(busy[k], 3)
                    ds.append_measurement(row)
                    rows[(m.name, pid, pass_no)] = row
                    del module
                    gc.collect()
                    done = i + 1
                    eta = (time.time() - t_pass) / done * (len(pending) - done)
                    print(f"[{done:4d}/{len(pending)}] {m.name:18s} {row['ms_median']:9.3f} ms "
                          f"ratio {row['ratio']:8.4f} +-{100 * row['ratio_mad_rel']:4.1f}%  "
                          f"eta {_format_eta(eta)}", flush=True)
                    if done % 25 == 0:
                        write_derived(ds, settings, all_models, rows, stage_of, platforms_info,
                                      arch)

            order = sorted(todo, key=lambda m: _stable_int(settings["seed"], "order", m.name))
            if not args.noise_only:
                run_pass(order, 1)
            measured = [m for m in all_models if (m.name, pid, 1) in rows]
            run_pass(noise_selection(measured, settings["seed"], args.noise_fraction), 2)
    except KeyboardInterrupt:
        interrupted.append(True)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        n_gt = write_derived(ds, settings, all_models, rows, stage_of, platforms_info, arch)
    if interrupted:
        print(f"interrupted: {n_gt} models in {ds.gt}; rerun the same command to continue",
              file=sys.stderr)
        return 130

    print(f"{n_gt} lines in {ds.gt} ({_format_eta(time.time() - started)})")
    print(summary_markdown(settings, all_models, rows, platforms_info, arch), end="")
    if args.pack:
        files = [m.rel_path for m in all_models if (m.name, pid, 1) in rows or args.export_only]
        for m in all_models:
            if m.rel_path in files:
                ensure_exported(ds, m, arch, settings["seed"])
        target = pack(args.out, files)
        print(f"packed {len(files)} ONNX files into {target} "
              f"({os.path.getsize(target) / 2**20:.1f} MiB)")
    if args.check_import:
        checked = [m for m in all_models if os.path.exists(ds.path(m))]
        report = check_import(ds, checked, args.check_import)
        print(f"import check ({args.check_import}): {report['files']} files, "
              f"{len(report['failures'])} failures, unknown ops {report['unknown_ops'] or 'none'}, "
              f"{report['files_with_missing_shapes']} with missing shapes")
        if report["failures"]:
            return 1
    return 0


def summary_markdown(settings, models, rows, platforms_info, arch):
    """The dataset in numbers, as Markdown (summary.md; pasted into SOURCES.md)."""
    out = ["# Latency dataset summary (generated by scripts/build_latency_dataset.py)", ""]
    sizes = [arch[m.name]["onnx_bytes"] for m in models if m.name in arch]
    out.append(f"- seed {settings['seed']}, {settings['per_family']} variants per family, "
               f"families: {', '.join(settings['families'])}; batch "
               f"{settings.get('batch_sizes') or settings['batch_size']}, "
               f"input {settings['resolutions']} (nasbench201: {settings['cell_resolution']}; "
               f"kernels: each its own)")
    if sizes:
        out.append(f"- {len(sizes)} weight-free ONNX files, {min(sizes) / 1024:.1f}-"
                   f"{max(sizes) / 1024:.1f} KiB each, {sum(sizes) / 2**20:.1f} MiB in all")
    for pid in sorted(platforms_info, key=int):
        info, p = platforms_info[pid], int(pid)
        cal_ref = info.get("calibration_reference_ms")
        rs1 = [r for (_, q, ps), r in rows.items() if q == p and ps == 1]
        if not cal_ref or not rs1:
            continue
        mach = info["machine"]
        out += ["", f"## Platform {pid}: {info['name']}", "",
                f"- {mach.get('gpu') or mach['cpu_model']} ({mach.get('cpu_cores')} cores), "
                f"{mach['threads']} threads, torch {mach['torch']}, {mach.get('os')}",
                f"- protocol: {json.dumps(info['protocol'])}",
                f"- calibration reference {cal_ref:.4f} ms ("
                + ("fixed by --calibration-reference-ms" if settings.get("calibration_reference_ms")
                   else "median of the calibration workload over pass 1")
                + f"); measured {min(r['measured_at'] for r in rs1)} .. "
                f"{max(r['measured_at'] for r in rs1)}"]
        busy = [r["others_cores"] for r in rs1 if not math.isnan(r["others_cores"])]
        again = sum(1 for r in rs1 if r["attempts"] > 1)
        if busy:
            out.append(f"- other processes during a measurement: median {percentile(busy, 50):.3f} "
                       f"cores, max {max(busy):.3f}; {again} models re-measured after a busy spell")
        out += ["", "| family | n | min ms | median ms | max ms | dispersion (median MAD/ratio) |",
                "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for f in fam.ALL_FAMILIES:
            rs = [rows[(m.name, p, 1)] for m in models if m.family == f and (m.name, p, 1) in rows]
            if not rs:
                continue
            lat = [label_ms(r, cal_ref) for r in rs]
            disp = percentile([r["ratio_mad_rel"] for r in rs], 50)
            out.append(f"| {f} | {len(rs)} | {min(lat):.3f} | {percentile(lat, 50):.3f} | "
                       f"{max(lat):.3f} | {100 * disp:.1f} % |")
        noise = info.get("noise")
        if noise:
            lr, rr = noise["label_rel_diff"], noise["raw_ms_rel_diff"]
            out += ["", f"Noise: {noise['models']} models measured again in a second pass; "
                        f"|pass 2 - pass 1| / pass 1 of the label: median "
                        f"{100 * lr['median']:.1f} %, "
                        f"p90 {100 * lr['p90']:.1f} %, max {100 * lr['max']:.1f} % "
                        f"(uncalibrated ms: median {100 * rr['median']:.1f} %, p90 "
                        f"{100 * rr['p90']:.1f} %)."]
    return "\n".join(out) + "\n"
