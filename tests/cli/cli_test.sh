#!/usr/bin/env bash
# End-to-end checks of the narformer command line: bad input gives one clear error line and a
# non-zero exit; a smoke run trains; eval --json prints one JSON object on the last stdout line.
# Run by CTest from the repository root with NARFORMER=<path of the binary>.
set -u
bin=${NARFORMER:?set NARFORMER to the narformer binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_error NAME EXPECTED_SUBSTRING -- COMMAND...
expect_error() {
  local name=$1 expected=$2
  shift 3
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$work/err")
  if [[ $rc -eq 0 ]]; then fail "$name: exit 0, expected an error"; return; fi
  if [[ $rc -ge 128 ]]; then fail "$name: crashed with signal $((rc - 128))"; return; fi
  if [[ $lines -ne 1 ]]; then fail "$name: expected one stderr line, got $lines:"; cat "$work/err"; return; fi
  if ! grep -qF -- "$expected" "$work/err"; then fail "$name: stderr lacks '$expected':"; cat "$work/err"; return; fi
  echo "ok: $name -> $(cat "$work/err")"
}

table=data/nasbench201/arch_score_acc.csv
header=$(head -1 "$table")

# A broken arch string in row 3 of an otherwise valid table.
{ echo "$header"; sed -n 2,3p "$table"; echo '2,|nor_conv_3x3~0|+|bogus~0|,0.1,0,85,80,80'; } >"$work/broken.csv"
expect_error "broken arch string" "$work/broken.csv: line 4: malformed NAS-Bench-201 arch string" -- \
  "$bin" train configs/nb201/smoke.yaml --set data.path="$work/broken.csv" --set run.dir="$work/runs"

expect_error "missing column" "no column 'val_acc'" -- \
  "$bin" train configs/nb201/smoke.yaml --set data.train_label=val_acc --set run.dir="$work/runs"

expect_error "missing data file" "$work/none.csv: file not found" -- \
  "$bin" train configs/nb201/smoke.yaml --set data.path="$work/none.csv" --set run.dir="$work/runs"

printf 'train:\n  epohcs: 3\n' >"$work/typo.yaml"
expect_error "config typo" "unknown key 'train.epohcs' (did you mean 'train.epochs'?)" -- \
  "$bin" train "$work/typo.yaml"

printf 'train:\n  epochs: [3\n' >"$work/malformed.yaml"
expect_error "malformed yaml" "malformed YAML at line" -- "$bin" train "$work/malformed.yaml"

expect_error "missing config" "config file not found" -- "$bin" train "$work/absent.yaml"

expect_error "bad override" "expected an integer" -- \
  "$bin" train configs/nb201/smoke.yaml --set train.epochs=lots

expect_error "eval without run" "not a run folder" -- "$bin" eval --run "$work"

{ echo "$header"; sed -n 2,3p "$table"; } >"$work/tiny.csv"
expect_error "empty split" "exceed the 2 items" -- \
  "$bin" train configs/nb201/smoke.yaml --set data.path="$work/tiny.csv" --set run.dir="$work/runs"

# A short real run, then eval --json on its folder.
if "$bin" train configs/nb201/smoke.yaml --set train.epochs=2 --set run.dir="$work/runs" >"$work/train.out" 2>"$work/train.err"; then
  for f in config.yaml train.log metrics.jsonl best.pt last.pt predictions.csv test_metrics.json; do
    [[ -s "$work/runs/smoke/$f" ]] || fail "run folder lacks $f"
  done
  [[ $(wc -l <"$work/runs/smoke/metrics.jsonl") -eq 2 ]] || fail "metrics.jsonl should have 2 lines"
  json=$("$bin" eval --run "$work/runs/smoke" --json 2>/dev/null | tail -1)
  # Two epochs already rank the 2,000 held-out cells well above chance (tau 0.2-0.3 seen;
  # chance is 0 +- 0.015 at this n).
  if /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["n"]==2000 and d["kendall_tau"]>0.1, d' "$json"; then
    echo "ok: eval --json -> $json"
  else
    fail "eval --json last line is not the expected JSON: $json"
  fi
  rows=$(($(wc -l <"$work/runs/smoke/predictions.csv") - 1))
  [[ $rows -eq 2000 ]] || fail "predictions.csv has $rows rows, expected 2000"
  expect_error "second run without --resume" "already holds a run" -- \
    "$bin" train configs/nb201/smoke.yaml --set train.epochs=2 --set run.dir="$work/runs"

  # predict: the torch-free path (best.weights, written by training) and the LibTorch one
  # (narformer-torch, which `narformer` also runs itself when the weight file is missing)
  # print the same predictions.
  archs=(--arch "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|"
         --arch "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|nor_conv_1x1~2|")
  [[ -s "$work/runs/smoke/best.weights" ]] || fail "training wrote no best.weights"
  if [[ -x "$(dirname "$bin")/narformer-torch" ]]; then  # built with the LibTorch-free predict
    lite=$("$bin" predict --run "$work/runs/smoke" "${archs[@]}" 2>/dev/null)
    full=$("$(dirname "$bin")/narformer-torch" predict --run "$work/runs/smoke" "${archs[@]}" 2>/dev/null)
    same() { /usr/bin/python3 -c '
import sys
a = [float(l.split("\t")[1]) for l in sys.argv[1].splitlines()]
b = [float(l.split("\t")[1]) for l in sys.argv[2].splitlines()]
assert len(a) == len(b) == 2 and all(abs(x - y) <= 1e-5 * abs(y) for x, y in zip(a, b)), (a, b)' "$1" "$2"; }
    if same "$lite" "$full"; then echo "ok: predict without LibTorch = with LibTorch"; else fail "predict: '$lite' vs '$full'"; fi
    mv "$work/runs/smoke/best.weights" "$work/best.weights.moved"
    delegated=$("$bin" predict --run "$work/runs/smoke" "${archs[@]}" 2>/dev/null)
    [[ "$delegated" == "$full" ]] || fail "predict without a weight file: '$delegated', expected '$full'"
    "$bin" export --run "$work/runs/smoke" --checkpoint best 2>/dev/null || fail "export failed"
    cmp -s "$work/runs/smoke/best.weights" "$work/best.weights.moved" || fail "export wrote other weights than training"
    "$bin" --version | grep -q "narformer 0" || fail "--version printed no version"
    # An ensemble of runs (--run repeated): for cells, the mean of each run's prediction.
    "$bin" train configs/nb201/smoke.yaml --set train.epochs=2 --set run.seed=2 --set run.name=smoke_seed2 \
      --set run.dir="$work/runs" >/dev/null 2>&1 || fail "second smoke training failed"
    second=$("$bin" predict --run "$work/runs/smoke_seed2" "${archs[@]}" 2>/dev/null)
    both=$("$bin" predict --run "$work/runs/smoke" --run "$work/runs/smoke_seed2" "${archs[@]}" 2>/dev/null)
    if /usr/bin/python3 -c '
import sys
col = lambda text: [float(l.split("\t")[1]) for l in text.splitlines()]
a, b, both = col(sys.argv[1]), col(sys.argv[2]), col(sys.argv[3])
assert len(both) == 2 and a != b and all(abs(m - (x + y) / 2) <= 1e-6 for x, y, m in zip(a, b, both)), (a, b, both)' \
      "$lite" "$second" "$both"; then echo "ok: --run A --run B predicts the mean of the two runs"; else fail "ensemble: '$both' from '$lite' and '$second'"; fi
    # A packed run is a pretrained predictor: listed, shown, and predicting like the run (its
    # half-precision weights within the packer's 1e-3).
    packs="$work/pretrained"
    "$bin" pretrained pack --run "$work/runs/smoke" --name smoke_acc --out "$packs/smoke_acc" \
      --summary "tau of a 2-epoch smoke run" 2>/dev/null || fail "pretrained pack failed"
    NARFORMER_PRETRAINED="$packs" "$bin" pretrained list | grep -q "^smoke_acc .* accuracy" ||
      fail "pretrained list lacks smoke_acc"
    NARFORMER_PRETRAINED="$packs" "$bin" pretrained show smoke_acc | grep -q '"format_version": 1' ||
      fail "pretrained show printed no manifest"
    packed=$(NARFORMER_PRETRAINED="$packs" "$bin" predict --pretrained smoke_acc "${archs[@]}" 2>/dev/null)
    if /usr/bin/python3 -c '
import sys
col = lambda text: [float(l.split("\t")[1]) for l in text.splitlines()]
a, b = col(sys.argv[1]), col(sys.argv[2])
assert len(a) == 2 and all(abs(x - y) <= 1e-3 * abs(y) for x, y in zip(a, b)), (a, b)' "$packed" "$lite"
    then echo "ok: predict --pretrained = the packed run"; else fail "predict --pretrained: '$packed' vs '$lite'"; fi
    expect_error "unknown pretrained" "no pretrained predictor named 'nope' (there are: help_nb201, latency_cpu, latency_cpu18, nb201_accuracy, smoke_acc" -- \
      env NARFORMER_PRETRAINED="$packs" "$bin" predict --pretrained nope "${archs[@]}"
    # A latency run over cells (HELP's devices) says latency_ms, and --platform picks the head.
    gold=$("$bin" predict --pretrained help_nb201 --platform gold_6226 "${archs[@]}" --json 2>/dev/null)
    pixel=$("$bin" predict --pretrained help_nb201 --platform pixel2 "${archs[@]}" --json 2>/dev/null)
    if /usr/bin/python3 -c '
import json, sys
a, b = (json.loads(t)["predictions"] for t in sys.argv[1:3])
assert len(a) == 2 and all("latency_ms" in p for p in a + b), (a, b)
assert all(x["latency_ms"] != y["latency_ms"] for x, y in zip(a, b)), (a, b)' "$gold" "$pixel"
    then echo "ok: cell latency predictions say latency_ms, one head per --platform"; else fail "help_nb201: '$gold' / '$pixel'"; fi
    expect_error "pack over a predictor" "exists: pass --overwrite" -- \
      "$bin" pretrained pack --run "$work/runs/smoke" --name smoke_acc --out "$packs/smoke_acc"
    # --per-node splits ONNX latency predictions; on a cell run it is one clear error.
    if err=$("$bin" predict --run "$work/runs/smoke" "${archs[@]}" --per-node 2>&1 >/dev/null); then
      fail "predict --per-node on a cell run succeeded"
    else
      grep -q "per-node" <<<"$err" && echo "ok: --per-node on a cell run says why not" || fail "--per-node error: $err"
    fi
  fi
else
  fail "smoke training failed:"; cat "$work/train.err"
fi

# Baselines are runs like any other: train, eval, predict (by `narformer` itself, no
# LibTorch), and embed says there is nothing to embed.
for kind in linear gbdt; do
  if ! "$bin" train configs/nb201/smoke.yaml --set model.kind=$kind --set baseline.gbdt.max_depth=[3] \
      --set run.name=$kind --set run.dir="$work/runs" >"$work/$kind.out" 2>"$work/$kind.err"; then
    # XGBoost is optional (a build against an upstream LibTorch may lack it): then gbdt must say so.
    if [[ $kind == gbdt ]] && grep -q "this build has no XGBoost" "$work/$kind.err"; then
      echo "skipped: gbdt (this build has no XGBoost; it says so)"; continue
    fi
    fail "$kind baseline training failed:"; cat "$work/$kind.err"; continue
  fi
  for f in config.yaml train.log metrics.jsonl baseline.json predictions.csv test_metrics.json; do
    [[ -s "$work/runs/$kind/$f" ]] || fail "$kind run folder lacks $f"
  done
  arch=$(sed -n 2p "$work/runs/$kind/predictions.csv" | cut -d, -f2)
  expected=$(sed -n 2p "$work/runs/$kind/predictions.csv" | cut -d, -f4)
  got=$("$bin" predict --run "$work/runs/$kind" --arch "$arch" 2>/dev/null | cut -f2)
  if /usr/bin/python3 -c 'import sys; a, b = map(float, sys.argv[1:]); assert abs(a - b) <= 1e-5 * abs(b), (a, b)' \
      "$got" "$expected"; then echo "ok: $kind predict = its predictions.csv ($got)"; else fail "$kind predict: '$got' vs '$expected'"; fi
  json=$("$bin" eval --run "$work/runs/$kind" --json 2>/dev/null | tail -1)
  /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["n"]==2000 and d["kendall_tau"]>0.4, d' "$json" \
    && echo "ok: $kind eval --json" || fail "$kind eval --json: $json"
  expect_error "$kind embed" "no learned representation" -- "$bin" embed --run "$work/runs/$kind" --arch "$arch"
done
expect_error "grid over 20 settings" "at most 20" -- \
  "$bin" train configs/nb201/smoke.yaml --set model.kind=mlp --set baseline.mlp.hidden=[8,16,32,64,128,256]
expect_error "rescale without a source" "needs train.init_from" -- \
  "$bin" train configs/nb201/smoke.yaml --set model.kind=rescale

if [[ $failures -gt 0 ]]; then echo "$failures failure(s)"; exit 1; fi
echo "all CLI checks passed"
