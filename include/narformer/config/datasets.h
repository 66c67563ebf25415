#pragma once
// The dataset formats `data.dataset` names, and what each one can do: the one place where a
// format's name meets its capabilities, so that the config checks, the task factory, the
// baselines' features and `predict` ask the same question the same way.
//
//   nb201   NAS-Bench-201 cells from an architecture-indexed table (accuracy, HELP latencies)
//   nb101   NAS-Bench-101 cells (CSV or NAR-Former's JSON)
//   nnlqp   latency lines (gt.txt / gt_stage.txt layout) with their ONNX files
//
// A new format adds its row in src/config/datasets.cpp; docs/extending.md lists the rest.

#include <string>
#include <string_view>
#include <vector>

#include "narformer/cells/cell.h"

namespace narformer {

struct DatasetInfo {
  std::string_view name;
  bool takes_onnx = false;  ///< ONNX graphs with latency lines; otherwise NAS-Bench cells
  CellSpace space = CellSpace::kNasBench201;  ///< the cells' search space (cell formats)
  /// data.protocol values it supports
  std::vector<std::string_view> protocols;
};

/// Every format, in the order `data.dataset` lists them.
const std::vector<DatasetInfo>& datasets();

/// The names, for the config schema's choices.
std::vector<std::string> dataset_names();

/// The format called `name`. Throws ConfigError for an unknown name (the config schema rejects
/// those first, with a suggestion).
const DatasetInfo& dataset_info(const std::string& name);

}  // namespace narformer
