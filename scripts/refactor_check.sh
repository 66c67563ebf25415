#!/usr/bin/env bash
# Shows that a refactor leaves behaviour unchanged, without re-running the README:
#
#   scripts/refactor_check.sh record DIR    before the change (on the old build)
#   scripts/refactor_check.sh compare DIR   after it (on the new build): differences, exit 1
#
# What is recorded in DIR: the token digest of every shipped and fixture ONNX file in both compat
# modes (bench_tokenize --digest); metrics.jsonl (timings dropped), test_metrics.json (timings
# dropped) and predictions.csv of the smoke config and of a 2-epoch run of one config per
# dataset, one thread each; and `predict --json` of runs trained at record time, which compare
# repeats with the new build on the old run folders.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: scripts/refactor_check.sh record|compare DIR}
dir=${2:?usage: scripts/refactor_check.sh record|compare DIR}
bin=${NARFORMER:-build/narformer}
build=$(dirname "$bin")
case $mode in
  record) out=$dir/reference ;;
  compare) out=$dir/now ;;
  *) echo "refactor_check: mode is record or compare, got '$mode'" >&2; exit 2 ;;
esac
[[ $mode == compare && ! -d $dir/reference ]] && { echo "refactor_check: $dir/reference missing (record first)" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"

echo "refactor_check: token digests"
onnx_roots=(tests/fixtures/onnx)
for d in data/*/onnx; do [[ -d $d ]] && onnx_roots+=("$d"); done
for compat in corrected reference; do
  "$build/bench_tokenize" "${onnx_roots[@]}" --digest --compat $compat >"$out/tokens.$compat.tsv"
done

# Run folders' files without what depends on the clock.
strip_timings() {
  python3 -c '
import json, sys
drop = {"samples_per_second", "train_seconds", "seconds", "time_ms", "eval_seconds", "wall_seconds",
        "items_per_second", "load_seconds", "predict_seconds"}
def clean(x):
    if isinstance(x, dict): return {k: clean(v) for k, v in x.items() if k not in drop}
    if isinstance(x, list): return [clean(v) for v in x]
    return x
text = open(sys.argv[1]).read()
if sys.argv[1].endswith(".jsonl"):
    print("\n".join(json.dumps(clean(json.loads(l)), sort_keys=True) for l in text.splitlines() if l.strip()))
else:
    print(json.dumps(clean(json.loads(text)), sort_keys=True, indent=1))
' "$1" | sed "s|$out/|OUT/|g"
}

# name config [--set ...]: one run; at record time its folder is kept for `predict` later.
run() {
  local name=$1 config=$2
  shift 2
  local runs=$out/runs
  echo "refactor_check: run $name"
  "$bin" train "$config" --overwrite --set run.threads=1 --set run.dir="$runs" --set run.name="$name" "$@" \
    >"$out/$name.train.log" 2>&1 || { echo "refactor_check: run $name failed, see $out/$name.train.log" >&2; exit 1; }
  strip_timings "$runs/$name/metrics.jsonl" >"$out/$name.metrics.jsonl"
  strip_timings "$runs/$name/test_metrics.json" >"$out/$name.test_metrics.json"
  cp "$runs/$name/predictions.csv" "$out/$name.predictions.csv"
}
run smoke configs/nb201/smoke.yaml
run nb201 configs/nb201/cpu_5pct.yaml --set train.epochs=2
run nb101 configs/nb101/train_424.yaml --set train.epochs=2
run help configs/help/gold_6226.yaml --set train.epochs=2
run latency_cpu configs/latency_cpu/in_domain.yaml --set train.epochs=2
run linear configs/help/gold_6226.yaml --set model.kind=linear

# predict --json from the runs trained at record time (cells and ONNX graphs).
archs=$(sed -n '2,21p' "$dir/reference/runs/smoke/predictions.csv" | cut -d, -f2 | sed 's/^/--arch /' | tr '\n' ' ')
column=$(head -1 "$dir/reference/runs/latency_cpu/predictions.csv" | tr ',' '\n' | grep -n '^onnx_path$' | cut -d: -f1)
mapfile -t graphs < <(sed -n '2,11p' "$dir/reference/runs/latency_cpu/predictions.csv" | cut -d, -f"$column")
for name in smoke help linear; do
  # shellcheck disable=SC2086
  "$bin" predict --run "$dir/reference/runs/$name" $archs --json 2>/dev/null >"$out/$name.predict.raw"
done
"$bin" predict --run "$dir/reference/runs/latency_cpu" "${graphs[@]}" --json 2>/dev/null >"$out/latency_cpu.predict.raw"
for raw in "$out"/*.predict.raw; do
  strip_timings "$raw" >"${raw%.raw}.json"
  rm "$raw"
done

if [[ $mode == compare ]]; then
  status=0
  for f in "$dir"/reference/*.*; do
    name=$(basename "$f")
    [[ $name == *.train.log ]] && continue
    if cmp -s "$f" "$out/$name"; then echo "same: $name"; else echo "DIFFERENT: $name"; status=1; fi
  done
  exit $status
fi
echo "refactor_check: recorded in $dir/reference"
