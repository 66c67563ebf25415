#!/usr/bin/env bash
# Unpacks the shipped datasets whose ONNX files are packed in the repository (data/*/onnx.tar.xz)
# into data/<set>/onnx, once: a second call does nothing unless a pack is newer than its folder.
set -euo pipefail
cd "$(dirname "$0")/.."
for pack in data/*/onnx.tar.xz; do
  [[ -f $pack ]] || continue
  folder=$(dirname "$pack")
  if [[ ! -d $folder/onnx || $pack -nt $folder/onnx ]]; then
    echo "setup: unpacking $pack"
    tmp=$(mktemp -d "$folder/.unpack.XXXXXX")
    tar -xJf "$pack" -C "$tmp"
    rm -rf "$folder/onnx"
    mv "$tmp/onnx" "$folder/onnx"
    rmdir "$tmp"
    touch "$folder/onnx"
  fi
done
