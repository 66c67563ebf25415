#!/usr/bin/env bash
# Packs what a CUDA machine without Debian packages lacks (yaml-cpp, spdlog + fmt, CLI11,
# nlohmann-json, ONNX + protobuf, GoogleTest, Eigen) into .gpu-deps/root, unpacked from this
# machine's Debian packages (git ignores the folder). scripts/gpu_check.sh builds against it and
# the CUDA LibTorch of that machine's python3. Shared libraries only: ~30 MB to carry.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .gpu-deps && mkdir -p .gpu-deps/debs
(cd .gpu-deps/debs && apt-get download -q libyaml-cpp-dev libyaml-cpp0.7 libspdlog-dev libspdlog1.10 \
  libfmt-dev libfmt9 libcli11-dev nlohmann-json3-dev libonnx-dev libonnx1 libonnxifi libprotobuf-dev libprotobuf32 \
  libprotobuf-lite32 libgtest-dev libeigen3-dev)
for f in .gpu-deps/debs/*.deb; do dpkg -x "$f" .gpu-deps/root; done
rm -rf .gpu-deps/debs .gpu-deps/root/usr/share/doc
rm -f .gpu-deps/root/usr/lib/x86_64-linux-gnu/{libprotobuf,libprotobuf-lite,libyaml-cpp}.a
du -sh .gpu-deps
