#pragma once
// The dataset formats `data.dataset` names, and what each one can do: the one place where a
// format's name meets its capabilities, so that the config checks, the task factory
// (train/task.h), the baselines' features and `predict` ask the same question the same way.
//
//   nb201   NAS-Bench-201 cells from an architecture-indexed table (accuracy, HELP latencies)
//   nb101   NAS-Bench-101 cells (CSV or NAR-Former's JSON)
//   nnlqp   latency lines (gt.txt / gt_stage.txt layout) with their ONNX files
//
// A format of cells is one add_dataset() call, with its reader function when the file is not a
// NAS-Bench table: the reader turns data.path into cells and labels, and the cell task, the
// baselines and `predict` take it from there (tests/train/toy_dataset_test.cpp adds one that way).
// The registry is an explicit list (src/config/datasets.cpp), not static initialisers, which a
// linker drops from static libraries.

#include <functional>
#include <string>
#include <vector>

#include "narformer/cells/cell.h"
#include "narformer/config/config.h"

namespace narformer {

struct NasTable;

/// What a format's items are: NAS-Bench cells (a table of architectures and labels) or ONNX
/// graphs (latency lines naming ONNX files).
enum class InputKind { kCells, kOnnx };

/// The loss a task trains its main prediction with (train/losses.h).
enum class TrainingLoss {
  kRelativeError,  ///< mean((ŷ / y − 1)²): accuracies and latencies alike (method.md §4.2)
  kSquaredError,   ///< mean((ŷ − y)²): for labels whose scale carries no meaning
};

/// Reads data.path into cells and labels; throws DataError naming the file and the line.
using CellReader = std::function<NasTable(const DataConfig&)>;

struct DatasetInfo {
  std::string name;
  InputKind input = InputKind::kCells;
  CellSpace space = CellSpace::kNasBench201;  ///< the cells' search space (cell formats)
  std::vector<Protocol> protocols;            ///< data.protocol values it supports
  TrainingLoss loss = TrainingLoss::kRelativeError;
  /// Cell formats: empty = the NAS-Bench table reader (data/nas_table.h: CSV columns named by
  /// the config, or NAR-Former's JSON), which the built-in formats use.
  CellReader read_cells;

  bool takes_onnx() const { return input == InputKind::kOnnx; }
};

/// Every format's name, built-ins first: the config schema's choices for data.dataset.
std::vector<std::string> dataset_names();

/// The format called `name`. Throws ConfigError for an unknown name (the config schema rejects
/// those first, with a suggestion).
const DatasetInfo& dataset_info(const std::string& name);

/// Adds a format; from then on configs may name it. Throws ConfigError for a name already
/// taken or no protocols. The returned entry lives as long as the program.
const DatasetInfo& add_dataset(DatasetInfo info);

}  // namespace narformer
