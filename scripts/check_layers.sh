#!/usr/bin/env bash
# The house's layering, checked on every source (run by ctest as layers.includes):
#   runtime/ (checkpoints, weight files, the run folder, devices) and predict/ sit below
#   train/: neither includes anything from it, so inference never depends on training.
#   torch_free/ (the forward pass without LibTorch; lite/ forwards to it) and python/ (the module,
#   which must not load LibTorch into a user's interpreter) include no LibTorch header.
# Prints each offending include and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
# check RULE PATTERN FOLDER...: no line matching PATTERN in the sources under FOLDER...
check() {
  local rule=$1 pattern=$2
  shift 2
  local hits
  if hits=$(grep -rnE "$pattern" "$@" 2>/dev/null); then
    echo "layers: $rule:"
    echo "$hits" | sed 's/^/  /'
    status=1
  fi
}
check "runtime/ and predict/ must not include train/" '#include "narformer/train/' \
  src/runtime include/narformer/runtime src/predict include/narformer/predict
check "torch_free/, lite/, search/ and the Python module must not include LibTorch" \
  '#include <(torch|ATen|c10)/' src/torch_free include/narformer/torch_free include/narformer/lite python \
  src/search include/narformer/search
[[ $status -eq 0 ]] && echo "layers: ok"
exit $status
