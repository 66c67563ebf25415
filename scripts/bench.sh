#!/usr/bin/env bash
# The benchmark suite (issue 7): training and inference throughput, tokenizer speed, predict
# latency (in-process and as a fresh CLI process), peak RSS, the fp32 GEMM ceiling and
# data-parallel scaling (scripts/bench_scaling.sh), on this
# machine, each figure the median of >= 3 rounds with min and max. Prints a Markdown table and
# writes bench_results.jsonl (one JSON object per figure).
#
#   scripts/bench.sh [--rounds R] [--threads T] [--blas-coretype NAME]
#
# --blas-coretype NAME additionally runs every model figure with OPENBLAS_CORETYPE=NAME (e.g.
# SkylakeX) after checking that the model's outputs match the default kernel within 1e-5;
# the default-kernel figures are always reported. Tests and CI never set that variable.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
rounds=5
threads=$(nproc)
coretype=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --blas-coretype) coretype=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in bench_model bench_tokenize narformer; do
  [[ -x $build/$tool ]] || { echo "bench: $build/$tool missing; run scripts/setup.sh first" >&2; exit 1; }
done
out=bench_results.jsonl
: >"$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_modes() {  # $1: label suffix; environment passed through
  local suffix=$1
  for mode in gemm nb201-train latency-train nb201-infer latency-infer; do
    "$build/bench_model" "$mode" --rounds "$rounds" --threads "$threads" |
      /usr/bin/python3 -c 'import json,sys
for line in sys.stdin:
    d=json.loads(line); d["what"]+=sys.argv[1]; print(json.dumps(d))' "$suffix" >>"$out"
  done
}

echo "bench: model figures (default OpenBLAS kernel, $threads threads, $rounds rounds)" >&2
run_modes ""
# Where NB201 training's peak RSS goes: the LibTorch process itself and the training state.
"$build/bench_model" memory >>"$out"
echo "bench: the Python reference loop on this machine (scripts/bench_reference.py)" >&2
for mode in nb201-train latency-train nb201-infer latency-infer; do
  /usr/bin/python3 scripts/bench_reference.py "$mode" --rounds "$rounds" --threads "$threads" >>"$out"
done

# A latency run folder for predict: a few epochs on the shipped CPU latency set when it exists,
# else on the test fixtures (timing does not depend on the weights).
onnx=tests/fixtures/onnx/torchvision/resnet18.onnx
gt="$work/gt.txt"
mkdir -p "$work/onnx"
i=0
for f in tests/fixtures/onnx/torchvision/*.onnx; do
  cp "$f" "$work/onnx/"
  for copy in 1 2 3; do i=$((i + 1)); echo "$i onnx/$(basename "$f") 1 $((i % 9 + 1)).5 fam$((i % 3)) 1 $([[ $copy == 3 ]] && echo test || echo train)"; done
done >"$gt"
"$build/narformer" train configs/latency_cpu/in_domain.yaml --set data.path="$gt" --set data.cache_dir= \
  --set train.epochs=1 --set run.dir="$work/runs" --set run.name=predict >/dev/null 2>&1
"$build/bench_model" predict --run "$work/runs/predict" --onnx "$onnx" --rounds "$rounds" --threads "$threads" >>"$out"

# predict as a fresh CLI process: process start to printed answer.
for r in $(seq "$rounds"); do
  start=$(date +%s%N)
  "$build/narformer" predict --run "$work/runs/predict" "$onnx" --threads "$threads" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(((end - start) / 1000))
done | /usr/bin/python3 -c 'import json,sys,statistics
v=[int(x)/1000 for x in sys.stdin]
print(json.dumps({"what":"predict as a CLI process (resnet18)","unit":"ms","median":statistics.median(v),"min":min(v),"max":max(v),"rounds":len(v),"threads":int(sys.argv[1])}))' "$threads" >>"$out"

# 1,000 files in one call.
for k in $(seq 1000); do echo "$onnx"; done >"$work/list.txt"
"$build/narformer" predict --run "$work/runs/predict" --threads "$threads" --json <"$work/list.txt" 2>/dev/null |
  /usr/bin/python3 -c 'import json,sys
d=json.loads(sys.stdin.read().strip().splitlines()[-1])
print(json.dumps({"what":"predict 1,000 files in one CLI call","unit":"files/s","median":d["items_per_second"],"min":d["items_per_second"],"max":d["items_per_second"],"rounds":1,"threads":int(sys.argv[1])}))' "$threads" >>"$out"

# Tokenizer: ONNX bytes -> tokens over the fixtures.
"$build/bench_tokenize" --repeat 50 2>/dev/null | tail -3 | sed 's/^/# tokenizer: /' >&2

if [[ -n $coretype ]]; then
  echo "bench: checking OPENBLAS_CORETYPE=$coretype against the default kernel" >&2
  "$build/bench_model" outputs --threads "$threads" >"$work/default.json"
  OPENBLAS_CORETYPE=$coretype "$build/bench_model" outputs --threads "$threads" >"$work/coretype.json"
  if /usr/bin/python3 -c 'import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
d=max(abs(x-y) for x,y in zip(a,b)); print(f"bench: max |difference| {d:.2e}", file=sys.stderr); sys.exit(0 if len(a)==len(b) and d<=1e-5 else 1)' \
      "$work/default.json" "$work/coretype.json"; then
    OPENBLAS_CORETYPE=$coretype run_modes " [OPENBLAS_CORETYPE=$coretype]"
  else
    echo "bench: outputs with OPENBLAS_CORETYPE=$coretype differ from the default kernel: not reported" >&2
  fi
fi

# Data-parallel scaling: 1 x 1 thread, 1 x all threads, N ranks x 1 thread (its own table too).
echo "bench: data-parallel scaling (scripts/bench_scaling.sh)" >&2
BUILD_DIR=$build scripts/bench_scaling.sh --rounds "$rounds" --out "$out" >"$work/scaling.md"

/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def key(what):  # the same figure in both tools; the synthetic graphs' mean size is printed differently
    return what.replace(" (Python reference loop)", "").split(", mean")[0].split(" (mean")[0]
reference = {key(r["what"]): r for r in rows if "(Python reference loop)" in r["what"]}
print("| what | median | min | max | unit | threads | peak RSS MiB | vs reference |")
print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
for d in rows:
    rss = f'{d["peak_rss_mib"]:.0f}' if "peak_rss_mib" in d else ""
    ref = reference.get(key(d["what"]))
    speedup = f'{d["median"] / ref["median"]:.1f}x' if ref and d is not ref else ""
    print(f'| {d["what"]} | {d["median"]:.4g} | {d["min"]:.4g} | {d["max"]:.4g} | {d["unit"]} | {d["threads"]} | {rss} | {speedup} |')
PY
