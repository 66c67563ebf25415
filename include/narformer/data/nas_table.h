#pragma once
// NAS-Bench tables: one architecture per row with its labels.
//   CSV   nb201: an arch-string column (data.arch_column)
//         nb101: adjacency (data.adjacency_column) + ops (data.ops_column) columns
//   JSON  (a path ending in .json) NAR-Former's intermediate layout (method.md §5.3): an object
//         keyed by index, entries with module_adjacency, module_operations and label fields
// The label columns come from the config (data.train_label, data.eval_label, or the list
// data.labels) and are multiplied by data.label_scale, so any NB-indexed table with its own
// columns works.

#include <cstdint>
#include <string>
#include <vector>

#include "narformer/cells/cell.h"

namespace narformer {

struct DataConfig;

struct NasRecord {
  int64_t index = 0;           ///< row index in the table (= benchmark index for NB201)
  std::string arch;            ///< arch string (NB201) or "adjacency ops" (NB101), as in the table
  Cell cell;                   ///< the cell the model reads (read_nb201_cell: maybe pruned)
  double train_label = 0;      ///< what the model is trained on
  double eval_label = 0;       ///< what validation and test are scored against
  std::vector<double> labels;  ///< data.labels: one per column (train_label = eval_label =
                               ///< the first); empty without data.labels
};

struct NasTable {
  std::string source;
  CellSpace space = CellSpace::kNasBench201;
  std::vector<NasRecord> records;
};

/// Reads the table named by config.path (CSV, or JSON by extension). Throws DataError naming the
/// file and line for a missing file or column, a malformed architecture, and NaN, missing or
/// non-positive labels (the relative-error loss divides by them).
NasTable read_nas_table(const DataConfig& config);

/// An NB201 arch string as the model reads it: parsed, with its dead edges set to none when
/// config.tokenizer.prune_dead. Training and every prediction path read cells through it.
Cell read_nb201_cell(const std::string& arch, const DataConfig& config);

/// The cells of config.dataset as training reads them: the dataset's own reader
/// (DatasetInfo::read_cells) where it has one, read_nas_table otherwise.
NasTable read_dataset_cells(const DataConfig& config);

}  // namespace narformer
