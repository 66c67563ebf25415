#!/usr/bin/env bash
# End-to-end checks of `narformer inspect`: text and --json output of a real model, the token
# matrix as .npy and .csv, and one clear error line for bad files.
# Run by CTest from the repository root with NARFORMER=<path of the binary>.
set -u
bin=${NARFORMER:?set NARFORMER to the narformer binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

model=tests/fixtures/onnx/nnlqp_test_onnx/resnet18-v1-7-no-weight.onnx

# Text output.
if ! "$bin" inspect "$model" --compat reference >"$work/out" 2>"$work/err"; then
  fail "inspect exited non-zero"; cat "$work/err"
fi
for expected in "70 nodes, 77 directed edges" "flops:           3636354048" "params:          11699112" \
                "memory:          19930000" "unknown ops:     none" "tokens:          70 x 152, static 40"; do
  grep -qF -- "$expected" "$work/out" || { fail "text output lacks '$expected'"; cat "$work/out"; }
done

# JSON output, batch 4, tokens as .npy.
if "$bin" inspect "$model" --compat reference --batch 4 --json --tokens "$work/t.npy" >"$work/json" 2>"$work/err"; then
  /usr/bin/python3 - "$work/json" "$work/t.npy" <<'EOF' || fail "JSON or .npy content"
import json, sys
j = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert j["nodes"] == 70 and j["edges"] == 77 and j["batch_size"] == 4, j
assert j["flops"] == 3668416512 and j["params"] == 11699112 and j["memory"] == 44622664, j
assert j["op_histogram"]["Conv"] == 20 and j["op_histogram"]["Input"] == 1, j
assert j["token_shape"] == [70, 152] and j["unknown_ops"] == [], j
raw = open(sys.argv[2], "rb").read()
assert raw[:6] == b"\x93NUMPY", raw[:10]
header_len = raw[8] | (raw[9] << 8)
header = raw[10:10 + header_len].decode()
assert "(70, 152)" in header and "<f4" in header, header
assert len(raw) == 10 + header_len + 70 * 152 * 4
try:
    import numpy as np
    x = np.load(sys.argv[2])
    assert x.shape == (70, 152) and abs(float(x.astype("float64").sum()) - 1627.3562) < 1e-3, x.sum()
except ImportError:
    pass
EOF
else
  fail "inspect --json exited non-zero"; cat "$work/err"
fi

# CSV tokens.
"$bin" inspect "$model" --tokens "$work/t.csv" >/dev/null 2>&1 || fail "inspect --tokens csv"
[[ $(wc -l <"$work/t.csv") -eq 71 ]] || fail "csv should have a header and 70 rows"
head -2 "$work/t.csv" | tail -1 | grep -q '^data,Input,0,' || fail "csv first row should be the data input"

# Unknown operators are reported, not fatal.
"$bin" inspect tests/fixtures/onnx/synthetic/unknown_op.onnx >"$work/out" 2>"$work/err" || fail "unknown op file"
grep -qF "unknown ops:     FancyNorm" "$work/out" || fail "unknown op not listed"
grep -qF "FancyNorm" "$work/err" || fail "unknown op not warned about"

# Bad files: one line on stderr that names the file, non-zero exit.
expect_error() {
  local name=$1 expected=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [[ $rc -eq 0 ]]; then fail "$name: exit 0"; return; fi
  if [[ $rc -ge 128 ]]; then fail "$name: crashed with signal $((rc - 128))"; return; fi
  if [[ $(wc -l <"$work/err") -ne 1 ]]; then fail "$name: expected one stderr line"; cat "$work/err"; return; fi
  grep -qF -- "$expected" "$work/err" || { fail "$name: stderr lacks '$expected'"; cat "$work/err"; return; }
  echo "ok: $name -> $(cat "$work/err")"
}
: >"$work/empty.onnx"
head -c 5000 "$model" >"$work/truncated.onnx"
echo "hello" >"$work/text.onnx"
expect_error "empty" "$work/empty.onnx: empty file" "$bin" inspect "$work/empty.onnx"
expect_error "truncated" "$work/truncated.onnx: not an ONNX model" "$bin" inspect "$work/truncated.onnx"
expect_error "text" "$work/text.onnx: not an ONNX model" "$bin" inspect "$work/text.onnx"
expect_error "missing" "$work/none.onnx: file not found" "$bin" inspect "$work/none.onnx"
expect_error "cycle" "cycle.onnx: the ONNX graph has a cycle" "$bin" inspect tests/fixtures/onnx/synthetic/cycle.onnx
expect_error "bad tokens name" "--tokens must name a .npy or a .csv file" "$bin" inspect "$model" --tokens "$work/t.txt"

expect_error "tokens of two files" "--tokens writes one file's tokens" "$bin" inspect "$model" "$model" --tokens "$work/t.npy"

# Several files in one process: one JSON line each; a bad file gets its error (stderr and an
# {"file", "error"} line), the others are still inspected, and the exit code is 1.
"$bin" inspect "$model" "$work/truncated.onnx" tests/fixtures/onnx/synthetic/unknown_op.onnx --json \
  >"$work/many" 2>"$work/err"
rc=$?
[[ $rc -eq 1 ]] || fail "several files with one bad: exit $rc, expected 1"
[[ $(grep -c "error: .*truncated.onnx: not an ONNX model" "$work/err") -eq 1 ]] || { fail "several files: stderr"; cat "$work/err"; }
/usr/bin/python3 - "$work/many" <<'EOF' || fail "several files: JSON lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 3, lines
assert lines[0]["nodes"] == 70 and lines[0]["file"].endswith("resnet18-v1-7-no-weight.onnx"), lines[0]
assert lines[1]["file"].endswith("truncated.onnx") and "not an ONNX model" in lines[1]["error"], lines[1]
assert lines[2]["unknown_ops"] == ["FancyNorm"], lines[2]
EOF

if [[ $failures -gt 0 ]]; then echo "$failures failure(s)"; exit 1; fi
echo "all inspect checks passed"
