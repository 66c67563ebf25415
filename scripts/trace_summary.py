#!/usr/bin/env python3
"""Totals a LibTorch profiler trace (bench_model --trace FILE) per operator.

    scripts/trace_summary.py FILE [--top N]

Prints each operator's total and self time (self = minus the operators it called, on the same
thread) and its share of all top-level time, largest self time first: where a step's time goes.
"""
import argparse
import collections
import json


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with open(args.trace) as f:
        events = [e for e in json.load(f) if e.get("ph") == "X"]
    total = collections.Counter()
    self_time = collections.Counter()
    calls = collections.Counter()
    top_level = 0.0
    for tid in {e.get("tid") for e in events}:
        # Complete events on one thread nest: walk them in start order with a stack.
        thread = sorted((e for e in events if e.get("tid") == tid), key=lambda e: (e["ts"], -e["dur"]))
        stack = []
        for e in thread:
            while stack and stack[-1]["ts"] + stack[-1]["dur"] <= e["ts"]:
                stack.pop()
            name, dur = e["name"], float(e["dur"])
            total[name] += dur
            calls[name] += 1
            self_time[name] += dur
            if stack:
                self_time[stack[-1]["name"]] -= dur
            else:
                top_level += dur
            stack.append(e)
    print(f"{'operator':44s} {'calls':>6s} {'total ms':>9s} {'self ms':>9s} {'self %':>7s}")
    for name, t in self_time.most_common(args.top):
        print(f"{name[:44]:44s} {calls[name]:6d} {total[name] / 1e3:9.2f} {t / 1e3:9.2f} {100 * t / top_level:6.1f}%")
    print(f"all top-level operators: {top_level / 1e3:.2f} ms")


if __name__ == "__main__":
    main()
