#!/usr/bin/python3
"""Merges latency sets in the NNLQP layout (gt.txt + ONNX files) into one gt.txt.

    /usr/bin/python3 scripts/merge_latency_sets.py --out data/latency_cpu18_check \\
        data/latency_cpu18/gt.txt data/latency_cpu_torchvision/gt.txt

A leave-one-family-out split draws its test family from one file, so sets measured in
separate builds (here the 18 generated families and the published check set) go into one
table. The merged gt.txt points at the inputs' ONNX files (paths relative to --out, so
nothing is copied), renumbers the ids and keeps every other field as it is; sources.json records
each input and its sha256. Sets measured on different machines or with different calibration
references do not belong in one platform: the script refuses inputs whose protocol.json records
another calibration reference, CPU model, thread count or torch version than the first's (same
values do not prove one device: measure sets to be merged on one machine on one day, as
data/latency_cpu18/SOURCES.md explains).
"""

import argparse
import hashlib
import json
import os
import sys

PROTOCOL_KEYS = ["cpu_model", "threads", "torch", "device"]


def fail(message):
    print(f"merge_latency_sets: {message}", file=sys.stderr)
    raise SystemExit(1)


def read_gt(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) not in (6, 7):
            fail(f"{path}: line {number}: expected 6 or 7 fields (id onnx_path batch_size "
                 f"latency_ms model_type platform_id [stage]), got {len(fields)}")
        lines.append(fields)
    if not lines:
        fail(f"{path}: no latency lines")
    return text, lines


def platform_record(gt_path):
    """(calibration reference, machine fields) per platform id from the set's protocol.json."""
    path = os.path.join(os.path.dirname(gt_path), "protocol.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        protocol = json.load(f)
    out = {}
    for pid, info in protocol.get("platforms", {}).items():
        machine = info.get("machine", {})
        out[pid] = {"calibration_reference_ms": info.get("calibration_reference_ms"),
                    **{k: machine.get(k) for k in PROTOCOL_KEYS}}
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="+", help="gt.txt files")
    parser.add_argument("--out", required=True, help="folder for the merged gt.txt")
    args = parser.parse_args(argv)

    merged, sources, seen, first = [], [], set(), None
    for gt in args.inputs:
        text, lines = read_gt(gt)
        record = platform_record(gt)
        if record is not None:
            if first is None:
                first = (gt, record)
            for pid, fields in record.items():
                if pid in first[1] and first[1][pid] != fields:
                    fail(f"{gt}: platform {pid} differs from {first[0]}'s "
                         f"({fields} against {first[1][pid]}): not one device")
        root = os.path.dirname(os.path.abspath(gt))
        for fields in lines:
            onnx = os.path.relpath(os.path.join(root, fields[1]), os.path.abspath(args.out))
            if onnx in seen:
                fail(f"{gt}: {fields[1]} is already in an earlier input")
            seen.add(onnx)
            merged.append([onnx] + fields[2:])
        sources.append({"gt": gt, "lines": len(lines),
                        "sha256": hashlib.sha256(text.encode()).hexdigest(),
                        "platforms": record})
    os.makedirs(args.out, exist_ok=True)
    body = "".join(f"{i:05d} {' '.join(fields)}\n" for i, fields in enumerate(merged, 1))
    for name, data in (("gt.txt", body),
                       ("sources.json", json.dumps(sources, indent=1, sort_keys=True) + "\n")):
        path = os.path.join(args.out, name)
        tmp = f"{path}.tmp.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(data)
        os.replace(tmp, path)
    families = sorted({fields[3] for fields in merged})
    print(f"{len(merged)} lines of {len(families)} families from {len(args.inputs)} files "
          f"into {os.path.join(args.out, 'gt.txt')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
