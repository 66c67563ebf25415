#!/usr/bin/env bash
# Keeps what the README's tables are built from: copies each finished table run's summary
# (test_metrics.json, config.yaml, and predictions.csv when it is small) from runs/tables/<table>/<run> to
# results/tables/<table>/<run>, which is committed, so that
#
#   /usr/bin/python3 scripts/results_table.py compare results/tables/help/*
#
# rebuilds a table from a clean checkout. runs/ (checkpoints, predictions, logs) stays local.
#
#   scripts/archive_results.sh [TABLE ...]   # default: every table under runs/tables
set -euo pipefail
cd "$(dirname "$0")/.."
tables=("$@")
if [[ ${#tables[@]} -eq 0 ]]; then
  for d in runs/tables/*/; do [[ -d $d ]] && tables+=("$(basename "$d")"); done
fi
copied=0
for table in "${tables[@]}"; do
  [[ -d runs/tables/$table ]] || { echo "archive_results: runs/tables/$table: no such table" >&2; exit 1; }
  for run in runs/tables/"$table"/*/; do
    run=${run%/}
    [[ -f $run/test_metrics.json ]] || continue   # unfinished or failed: nothing to keep
    dest=results/tables/$table/$(basename "$run")
    mkdir -p "$dest"
    for f in test_metrics.json config.yaml; do
      [[ -f $run/$f ]] && cp "$run/$f" "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"
    done
    # A small test set's predictions too (a check set of named networks: results_table.py
    # networks reads them); the large ones stay in runs/.
    if [[ -f $run/predictions.csv && $(stat -c %s "$run/predictions.csv") -le 4096 ]]; then
      cp "$run/predictions.csv" "$dest/predictions.csv.tmp" && mv "$dest/predictions.csv.tmp" "$dest/predictions.csv"
    fi
    copied=$((copied + 1))
  done
done
echo "archive_results: $copied runs in results/tables"
