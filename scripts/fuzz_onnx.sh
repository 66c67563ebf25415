#!/usr/bin/env bash
# Builds the libFuzzer target for the ONNX loader + graph builder + tokenizer with clang
# (ASan + UBSan + libFuzzer) and runs it on the committed corpus.
#
#   scripts/fuzz_onnx.sh                 # build, then 1,000,000 executions
#   RUNS=0 scripts/fuzz_onnx.sh          # build only
#   RUNS=-1 JOBS=4 scripts/fuzz_onnx.sh  # fuzz until stopped
#   MERGE=1 scripts/fuzz_onnx.sh         # afterwards, minimise new inputs into fuzz/corpus
#
# Needs clang-14 and libclang-rt-14-dev (Debian), libonnx-dev, libprotobuf-dev, libspdlog-dev.
# The fuzzer runs under `nice -n 19`. Crashes are written to build-fuzz/crash-*; new
# interesting inputs go to build-fuzz/corpus-new (the committed corpus stays untouched
# unless MERGE=1). libonnx itself is not instrumented: coverage guides through narformer's
# code, and crashes inside libonnx are still caught.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD:-$root/build-fuzz}"
runs="${RUNS:-1000000}"
jobs="${JOBS:-1}"
max_len="${MAX_LEN:-8192}"
clang="${CLANGXX:-$(command -v clang++-14 || command -v clang++)}"
mkdir -p "$build/corpus-new"

sources=(
  src/core/error.cpp src/core/atomic_file.cpp
  src/graph/graph.cpp
  src/tokenize/embedder.cpp src/tokenize/onnx_tokenizer.cpp
  src/onnx/onnx_model.cpp src/onnx/onnx_graph.cpp src/onnx/operators.cpp src/onnx/shape_folding.cpp src/onnx/cost.cpp
  fuzz/fuzz_onnx.cpp
)
binary="$build/fuzz_onnx"
newest_source=$(cd "$root" && ls -t "${sources[@]}" include/narformer/*/*.h src/onnx/*.h | head -1)
if [[ ! -x "$binary" || "$root/$newest_source" -nt "$binary" ]]; then
  echo "building $binary with $clang" >&2
  (cd "$root" && nice -n 19 "$clang" -std=c++17 -O1 -g -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DONNX_NAMESPACE=onnx -DONNX_ML=1 -DSPDLOG_FMT_EXTERNAL -DSPDLOG_COMPILED_LIB -DSPDLOG_SHARED_LIB \
    -Iinclude -Isrc/onnx "${sources[@]}" -o "$binary" \
    -lonnx -lonnx_proto -lprotobuf -lspdlog -lfmt -lpthread)
fi
[[ "$runs" == "0" ]] && exit 0

# -rss_limit_mb: a hostile file must not make the importer allocate gigabytes.
cd "$build"
status=0
nice -n 19 "$binary" "$build/corpus-new" "$root/fuzz/corpus" \
  -runs="$runs" -max_len="$max_len" -jobs="$jobs" -workers="$jobs" -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 || status=$?
if [[ "${MERGE:-0}" == "1" ]]; then
  nice -n 19 "$binary" -merge=1 "$root/fuzz/corpus" "$build/corpus-new"
fi
exit $status
