#!/usr/bin/env bash
# Data-parallel scaling on this machine (issue 17): training throughput of `narformer train` as
# 1 process x 1 thread, 1 process x all threads (the default) and N ranks x 1 thread
# (`--nproc N`), for NB201 and latency training, with the shipped configs and the same global
# batch. Throughput is the training samples per second of the last epoch (metrics.jsonl;
# validation and set-up excluded), the median over rounds. Appends JSON lines to
# bench_results.jsonl (scripts/bench.sh calls this) and prints a Markdown table.
#
#   scripts/bench_scaling.sh [--rounds R] [--ranks N] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
rounds=3
ranks=$(nproc)
out=bench_results.jsonl
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x $build/narformer ]] || { echo "bench_scaling: $build/narformer missing; run scripts/setup.sh first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)

# name | config and overrides: two epochs of a slice of each training set, paused before the
# third (no test pass); the second epoch is
# measured (the first pays for first-touch allocations).
tasks=(
  "NB201 training (cpu_5pct, 6x512, batch 8 + 8 augmented)|configs/nb201/cpu_5pct.yaml --set train.epochs=3 --set data.n_train=400"
  "latency training (latency_cpu in_domain, 2x512, batch 16)|configs/latency_cpu/in_domain.yaml --set train.epochs=3 --set data.train_limit=480"
)
# label | threads per process | ranks
layouts=("1 process x 1 thread|1|1" "1 process x $cores threads|0|1" "$ranks ranks x 1 thread|1|$ranks")

rows="$work/rows.jsonl"
: >"$rows"
for task in "${tasks[@]}"; do
  name=${task%%|*}
  config=${task#*|}
  for layout in "${layouts[@]}"; do
    IFS='|' read -r label threads n <<<"$layout"
    values=()
    for ((r = 1; r <= rounds; r++)); do
      run="s$RANDOM"
      # shellcheck disable=SC2086
      "$build/narformer" train $config --set run.dir="$work" --set run.name="$run" \
        --set run.threads="$threads" --nproc "$n" --stop-after-epochs 2 >/dev/null 2>"$work/log" ||
        { cat "$work/log" >&2; exit 1; }
      values+=("$(tail -n 1 "$work/$run/metrics.jsonl" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["samples_per_second"])')")
      rm -rf "${work:?}/$run"
    done
    /usr/bin/python3 -c 'import json,statistics,sys
v=[float(x) for x in sys.argv[4:]]
print(json.dumps({"what": sys.argv[1]+", "+sys.argv[2], "unit": "samples/s", "median": statistics.median(v),
  "min": min(v), "max": max(v), "rounds": len(v), "threads": int(sys.argv[3])}))' \
      "$name" "$label" "$([[ $threads == 0 ]] && echo "$cores" || echo "$threads")" "${values[@]}" >>"$rows"
    echo "bench_scaling: $name, $label: ${values[*]}" >&2
  done
done
cat "$rows" >>"$out"
/usr/bin/python3 - "$rows" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("| what | median | min | max | unit | vs 1 x 1 | vs 1 process, all threads |")
print("| --- | ---: | ---: | ---: | --- | ---: | ---: |")
for i in range(0, len(rows), 3):
    one, many, ranks = rows[i:i + 3]
    for d in (one, many, ranks):
        print(f'| {d["what"]} | {d["median"]:.4g} | {d["min"]:.4g} | {d["max"]:.4g} | {d["unit"]} '
              f'| {d["median"] / one["median"]:.2f}x | {d["median"] / many["median"]:.2f}x |')
PY
