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

# The LibTorch-free target and headers under the names they had before the folder was renamed
# (narformer::lite, narformer/lite/): a project written against them builds and predicts alike.
if [[ -d "$work/prefix/include/narformer/torch_free" ]] && grep -q "torch_free" "$work/prefix"/lib*/cmake/narformer/narformerTargets*.cmake 2>/dev/null; then
  mkdir -p "$work/old_names"
  cat >"$work/old_names/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(old_names LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(narformer 0.1 REQUIRED)
add_executable(old_names main.cpp)
target_link_libraries(old_names PRIVATE narformer::lite)
CMAKE
  cat >"$work/old_names/main.cpp" <<'CPP'
#include <cstdio>
#include <narformer/lite/lite_predictor.h>
int main(int, char** argv) {
  const narformer::LitePredictor lite(argv[1]);
  std::printf("%.6f\n", lite.predict_cell("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"));
}
CPP
  cmake -S "$work/old_names" -B "$work/old_names/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
  cmake --build "$work/old_names/build" >/dev/null
  old=$("$work/old_names/build/old_names" "$work/runs/smoke")
  new=$("$work/prefix/bin/narformer" predict --run "$work/runs/smoke" --arch "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|" 2>/dev/null | grep -Eo '[0-9]+\.[0-9]+' | head -1)
  echo "old names (narformer::lite, narformer/lite/): $old; narformer predict: $new"
  awk -v a="$old" -v b="$new" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-4 * b) }'
fi
