#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds tests/consumer against it with
# find_package(narformer), and runs it (with a freshly trained smoke run for the Predictor).
# Usage: run.sh BUILD_DIR   (from the repository root)
set -euo pipefail
build=${1:?build folder}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S tests/consumer -B "$work/consumer" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/prefix/bin/narformer" train configs/nb201/smoke.yaml --set train.epochs=2 --set run.dir="$work/runs" >/dev/null 2>&1
"$work/consumer/consumer" "$work/runs/smoke"
