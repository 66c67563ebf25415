#!/usr/bin/env bash
# The CUDA check of ../shared/design/gpu.md as one script for a lent GPU machine that has no
# Debian packages: build against that machine's CUDA LibTorch (its python3's torch) and the
# Debian libraries carried in .gpu-deps (scripts/gpu_deps.sh, run here first), train the
# narformer runs of the given results tables on the GPU (scripts/baselines.sh with
# KINDS=narformer) while the test suite runs (the CUDA tests run there and skip elsewhere), and
# leave logs and the finished run folders (no checkpoints) in OUT. Seen on an H200 (2026-12-04):
# build 80 s, tests 4 minutes; a HELP run (100 epochs, batch 8) is launch-bound there and does
# not finish within a session's 15 minutes of device time, so list tables only with time to spare.
#
#   scripts/gpu_check.sh OUT [TABLE ...]        e.g. scripts/gpu_check.sh "$OUT" help
#   DEADLINE=500  seconds from the start after which unfinished runs are stopped
#   JOBS=6        narformer runs at a time on the one GPU
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/gpu_check.sh OUT [TABLE ...]}
shift
mkdir -p "$out"
start=$SECONDS
deadline=${DEADLINE:-500}
left() { echo $((deadline - (SECONDS - start))); }
say() { echo "[gpu_check +$((SECONDS - start))s] $*" | tee -a "$out/summary.txt"; }

deps=$PWD/.gpu-deps/root/usr
[[ -d $deps ]] || { echo "gpu_check: $deps is missing (scripts/gpu_deps.sh makes it)" >&2; exit 2; }
export LD_LIBRARY_PATH=$deps/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
{
  nvidia-smi
  lscpu
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
  g++ --version | head -1
  cmake --version | head -1
  nvcc --version | tail -2
} >"$out/machine.txt" 2>&1
scripts/unpack_data.sh

build=build-cuda
configure() {
  cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release -DNARFORMER_USE_CCACHE=OFF \
    -DCMAKE_PREFIX_PATH="$torch_prefix;$deps" -DNARFORMER_INSTALL=OFF "$@" >>"$out/build.log" 2>&1
}
say "configure"
configure || { say "configure failed"; tail -30 "$out/build.log"; exit 1; }
grep "narformer:" "$out/build.log" | tee -a "$out/summary.txt"
say "build the CLI"
if ! timeout "$(left)" cmake --build $build --target narformer_cli_torch -j "$(nproc)" >>"$out/build.log" 2>&1; then
  if grep -q "C++20" "$out/build.log"; then
    say "LibTorch wants C++20: building again with it"
    configure -DNARFORMER_CXX_STANDARD=20 &&
      timeout "$(left)" cmake --build $build --target narformer_cli_torch -j "$(nproc)" >>"$out/build.log" 2>&1
  fi || { say "build failed"; grep -m 30 -B2 -A6 "error" "$out/build.log"; exit 1; }
fi
cli=$build/narformer-torch
[[ -x $cli ]] || cli=$build/narformer
say "built $cli"

# Training throughput, measured before anything else runs: 2 epochs of the HELP config (6 x 512,
# batch 8) on the GPU, on one CPU thread and on all of them.
for setting in "cuda 1" "cpu 1" "cpu 0"; do
  read -r device threads <<<"$setting"
  "$cli" train configs/help/gold_6226.yaml --overwrite --set train.epochs=2 --set eval.every=2 \
    --set run.device="$device" --set run.threads="$threads" --set run.dir=runs/throughput \
    --set run.name="$device$threads" >"$out/throughput.$device$threads.log" 2>&1
  say "throughput $device, threads $threads (0 = all): $(grep -o 'trained .*samples/s)' "$out/throughput.$device$threads.log")"
done

# The data-parallel path on the GPU: 2 ranks (Gloo between them) sharing the one GPU.
if "$cli" train configs/nb201/smoke.yaml --nproc 2 --overwrite --set run.device=cuda \
  --set run.dir=runs/gpu_check --set run.name=data_parallel >"$out/data_parallel.log" 2>&1; then
  say "data-parallel on cuda, 2 ranks: $(grep -o 'test (.*' "$out/data_parallel.log" | head -1)"
else
  say "data-parallel on cuda FAILED: $(grep -m 1 -i error "$out/data_parallel.log")"
fi

tables_pid=
if (($#)); then
  say "narformer runs of: $*"
  NARFORMER=$cli KINDS=narformer JOBS=${JOBS:-6} setsid scripts/baselines.sh "$@" >"$out/tables.log" 2>&1 &
  tables_pid=$!
fi

say "build the tests"
timeout "$(left)" cmake --build $build -j 8 >>"$out/build.log" 2>&1 || { say "test build failed"; grep -m 30 -B2 -A6 "error" "$out/build.log"; }
say "ctest"
timeout "$(($(left) - 40))" ctest --test-dir $build -j 4 --timeout 240 --output-on-failure >"$out/ctest.log" 2>&1
grep -E "tests passed|tests failed|\*\*\*Failed|Not Run|Timeout|\*\*\*Skipped" "$out/ctest.log" | head -30 | tee -a "$out/summary.txt"
grep -E "^cuda:|\[  SKIPPED \]" "$out/ctest.log" | head -10 | tee -a "$out/summary.txt"

if [[ -n $tables_pid ]]; then
  while kill -0 "$tables_pid" 2>/dev/null && (($(left) > 25)); do sleep 5; done
  if kill -0 "$tables_pid" 2>/dev/null; then
    say "deadline: stopping the runs still going"
    kill -- -"$tables_pid" 2>/dev/null
    sleep 2
  fi
  say "finished runs: $(ls runs/tables/*/narformer.*/test_metrics.json 2>/dev/null | wc -l)"
  find runs/tables \( -name test_metrics.json -o -name metrics.jsonl -o -name train.log -o -name config.yaml \
    -o -name model.json -o -name predictions.csv -o -name '*.out' \) -print0 |
    tar -czf "$out/runs.tar.gz" --null -T - 2>/dev/null
fi
say "done"
