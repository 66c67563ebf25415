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
  if /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["n"]==2000 and -1<=d["kendall_tau"]<=1' "$json"; then
    echo "ok: eval --json -> $json"
  else
    fail "eval --json last line is not the expected JSON: $json"
  fi
  rows=$(($(wc -l <"$work/runs/smoke/predictions.csv") - 1))
  [[ $rows -eq 2000 ]] || fail "predictions.csv has $rows rows, expected 2000"
  expect_error "second run without --resume" "already holds a run" -- \
    "$bin" train configs/nb201/smoke.yaml --set train.epochs=2 --set run.dir="$work/runs"
else
  fail "smoke training failed:"; cat "$work/train.err"
fi

if [[ $failures -gt 0 ]]; then echo "$failures failure(s)"; exit 1; fi
echo "all CLI checks passed"
