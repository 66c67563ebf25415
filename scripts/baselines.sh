#!/usr/bin/env bash
# Trains the baselines of every README results table: linear, MLP and gradient-boosted trees
# (model.kind linear | mlp | gbdt, each tuned on its table's validation split over its
# declared grid) on the same configs, splits and seeds as narformer, one thread per run, two
# runs at a time. Runs that finished before are kept (a second call only fills gaps), so the
# script can be interrupted and called again. Tables: scripts/results_table.py compare.
#
#   scripts/baselines.sh help transfer nb201 nb201_holdout nb201_pruned nb201_holdout_pruned nb101 latency_cpu latency_cpu18   # or any
#   SEEDS="0 1 2" MLP_SEEDS="0" JOBS=2 scripts/baselines.sh help
#   KINDS=narformer JOBS=12 scripts/baselines.sh help   # narformer itself, same folders and seeds
#   PCTS=1 scripts/baselines.sh nb201_pruned   # one NB201 size only
#
# Run folders: runs/tables/<table>/<kind>.<task>.s<seed> (narformer runs of the same tables go
# beside them as narformer.<task>.s<seed>), e.g.
# runs/tables/help/gbdt.gold_6226.s1. The seeds are fixed here, before any run: 0, 1, 2.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${NARFORMER:-build/narformer}
SEEDS=${SEEDS:-"0 1 2"}
MLP_SEEDS=${MLP_SEEDS:-$SEEDS}
JOBS=${JOBS:-2}
PCTS=${PCTS:-"1 5 10"}   # the NB201 tables' training-set sizes, in per cent
queue=$(mktemp)
trap 'rm -f "$queue"' EXIT

# job TABLE KIND TASK SEED CONFIG [--set ...]: one run, unless it already finished here or
# its metrics are archived in results/tables (a fresh clone does not train those again).
job() {
  local table=$1 kind=$2 task=$3 seed=$4 config=$5
  shift 5
  local dir="runs/tables/$table" name="$kind.$task.s$seed"
  [[ -f "$dir/$name/test_metrics.json" ]] && return 0
  [[ -f "results/tables/$table/$name/test_metrics.json" ]] && return 0
  local model=$kind
  [[ $kind == rescale-* ]] && model=rescale
  # A run stopped part-way (a machine handed back, a killed session) continues from last.pt.
  local start=--overwrite
  [[ -f "$dir/$name/last.pt" ]] && start=--resume
  printf '%q ' "$bin" train "$config" "$start" --set "model.kind=$model" --set "run.seed=$seed" \
    --set run.threads=1 --set "run.dir=$dir" --set "run.name=$name" "$@" >>"$queue"
  printf '>%q 2>&1\n' "$dir.$name.out" >>"$queue"
  mkdir -p "$dir"
}

# kinds SEED: the baseline kinds run for this seed (the MLP, the slowest, for MLP_SEEDS only),
# or the model kinds listed in KINDS.
kinds() {
  [[ -n ${KINDS:-} ]] && { echo "$KINDS"; return; }
  local out="linear gbdt"
  [[ " $MLP_SEEDS " == *" $1 "* ]] && out+=" mlp"
  echo "$out"
}

# nb201_config KIND PCT: the NB201 config of a run. Baselines read only the data section,
# which the paper and CPU configs share; narformer trains on the CPU schedule (cpu_*pct.yaml),
# the paper's 1000 epochs at lr 1e-4 being a GPU's.
nb201_config() {
  if [[ $1 == narformer* ]]; then echo "configs/nb201/cpu_$2pct.yaml"; else echo "configs/nb201/paper_$2pct.yaml"; fi
}

# nb201_jobs TABLE PROTOCOL PRUNE: one NB201 accuracy table's runs at the sizes in PCTS, under
# data.protocol PROTOCOL, with data.tokenizer.prune_dead PRUNE.
nb201_jobs() {
  local table=$1 protocol=$2 prune=$3 pct seed kind
  for pct in $PCTS; do
    for seed in $SEEDS; do for kind in $(kinds "$seed"); do
      job "$table" "$kind" "${pct}pct" "$seed" "$(nb201_config "$kind" "$pct")" \
        --set "data.protocol=$protocol" --set "data.tokenizer.prune_dead=$prune"
    done; done
  done
}

# data/latency_cpu18's families: the three development families of the leave-one-family-out
# protocol (README), then NNLQP's other seven, then the eight of scripts/latency_dataset/modern.py.
LATENCY_CPU18_FAMILIES="mnasnet resnet18 squeezenet alexnet efficientb0 googlenet mobilenetv2
  mobilenetv3 nasbench201 vgg16 densenet shufflenetv2 convnext vit regnet resnext ghostnet unet"

# The whole run is one function, read by bash before it starts: the script can be edited
# while a queue of long runs is going without the running copy reading the edit.
main() {
  for table in "$@"; do
    case $table in
      help)  # HELP latencies of NB201 cells, 1,000 training architectures, 4 devices
        for device in gold_6226 1080ti_1 silver_4210r titan_rtx_1; do
          for seed in $SEEDS; do for kind in $(kinds "$seed"); do
            job help "$kind" "$device" "$seed" "configs/help/$device.yaml"
          done; done
        done ;;
      transfer)  # 2080ti_1 from N measurements: rescaled 1080ti_1 baselines, and from scratch
        for n in 20 50 100; do
          for seed in $SEEDS; do
            if [[ " ${KINDS:-} " == *" narformer "* ]]; then  # narformer fine-tuned from its own 1080ti_1 run
              [[ -f runs/tables/help/narformer.1080ti_1.s$seed/test_metrics.json ]] ||
                { echo "baselines: transfer needs runs/tables/help/narformer.1080ti_1.s$seed (run KINDS=narformer ... help first)" >&2; exit 1; }
              job transfer narformer "2080ti_1_n$n" "$seed" configs/help/transfer_2080ti_1.yaml \
                --set "data.n_train=$n" --set "train.init_from=runs/tables/help/narformer.1080ti_1.s$seed"
              continue
            fi
            for source in linear gbdt; do
              [[ -f runs/tables/help/$source.1080ti_1.s$seed/test_metrics.json ]] ||
                { echo "baselines: transfer needs runs/tables/help/$source.1080ti_1.s$seed (run 'help' first)" >&2; exit 1; }
              job transfer "rescale-$source" "2080ti_1_n$n" "$seed" configs/help/transfer_2080ti_1.yaml \
                --set "data.n_train=$n" --set "train.init_from=runs/tables/help/$source.1080ti_1.s$seed"
            done
            for kind in linear gbdt; do
              job transfer "$kind" "2080ti_1_n$n" "$seed" configs/help/transfer_2080ti_1.yaml --set "data.n_train=$n" \
                --set train.init_from=
            done
          done
        done ;;
      # NB201 accuracy: the published protocol (first n_train architectures, validation the next
      # 200) or the holdout protocol (a seeded random split, test never used for selection),
      # with cells as written or dead edges read as `none` (data.tokenizer.prune_dead)
      nb201) nb201_jobs nb201 reference false ;;
      nb201_holdout) nb201_jobs nb201_holdout holdout false ;;
      nb201_pruned) nb201_jobs nb201_pruned reference true ;;
      nb201_holdout_pruned) nb201_jobs nb201_holdout_pruned holdout true ;;
      nb101)  # NB101 accuracy, holdout protocol
        for n in 100 172 424 4236; do
          for seed in $SEEDS; do for kind in $(kinds "$seed"); do
            job nb101 "$kind" "train_$n" "$seed" "configs/nb101/train_$n.yaml"
          done; done
        done ;;
      latency_cpu)  # the shipped CPU latency set: in-domain and leave-one-family-out
        for config in configs/latency_cpu/*.yaml; do
          task=$(basename "$config" .yaml)
          for seed in $SEEDS; do for kind in $(kinds "$seed"); do
            job latency_cpu "$kind" "$task" "$seed" "$config"
          done; done
        done ;;
      latency_cpu18)  # the 14 published networks as a check set, then leave-one-family-out over the
        # 18 families of data/latency_cpu18, development families first (FAMILIES="vit unet": those)
        for seed in $SEEDS; do for kind in $(kinds "$seed"); do
          job latency_cpu18 "$kind" check_torchvision "$seed" configs/latency_cpu18/check_torchvision.yaml
        done; done
        for family in ${FAMILIES:-$LATENCY_CPU18_FAMILIES}; do
          for seed in $SEEDS; do for kind in $(kinds "$seed"); do
            job latency_cpu18 "$kind" "leave_out_$family" "$seed" configs/latency_cpu18/leave_family_out.yaml \
              --set "data.test_family=$family"
          done; done
        done ;;
      *) echo "baselines: unknown table '$table' (help, transfer, nb201, nb201_holdout, nb201_pruned, nb201_holdout_pruned, nb101, latency_cpu, latency_cpu18)" >&2; exit 2 ;;
    esac
  done

  total=$(wc -l <"$queue")
  echo "baselines: $total runs to train, $JOBS at a time"
  # Each line is one shell command; a failed run is reported and the others go on.
  tr '\n' '\0' <"$queue" | xargs -0 -P "$JOBS" -I{} bash -c '{} || echo "baselines: failed: {}" >&2'
  echo "baselines: done"
}

main "$@"
exit
