#!/usr/bin/env bash
# Installs what narformer needs from Debian 12 and builds it (Release) into build/.
# Idempotent: packages already installed are not touched, and the build is incremental, so a
# second run takes seconds.
#
#   scripts/setup.sh                 packages + build
#   BUILD_DIR=out scripts/setup.sh   build somewhere else
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config python3 xz-utils
  libtorch-dev libopenblas0-openmp          # LibTorch 1.13 (CPU); OpenBLAS with OpenMP, ~7x reference BLAS
  libblas-dev                               # cblas.h for the LibTorch-free forward pass (runs on OpenBLAS)
  libonnx-dev libprotobuf-dev protobuf-compiler
  libyaml-cpp-dev libspdlog-dev libcli11-dev nlohmann-json3-dev libgtest-dev
  libeigen3-dev libxgboost-dev              # the baselines: least squares / MLP forward pass, gradient-boosted trees
  gnuplot-nox                               # plots in run folders (pred_vs_true.png, learning_curves.png)
  clang-format-14                           # the house style, checked by ctest (format.clang_format)
  pybind11-dev python3-dev                  # the Python module (python/), LibTorch-free
  libgloo-dev                               # Gloo's headers: data-parallel training on LibTorch's c10d
  python3-torch python3-torchvision python3-onnx python3-numpy   # dataset builders in scripts/ (same LibTorch)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Shipped datasets whose ONNX files are packed in the repository: unpack once.
scripts/unpack_data.sh

build_dir=${BUILD_DIR:-build}
generator=()
[[ -f "$build_dir/CMakeCache.txt" ]] || generator=(-G Ninja)
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
echo "setup: built $build_dir/narformer"
