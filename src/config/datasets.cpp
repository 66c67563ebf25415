#include "narformer/config/datasets.h"

#include "narformer/core/error.h"

namespace narformer {

const std::vector<DatasetInfo>& datasets() {
  static const std::vector<DatasetInfo> table = {
      {"nb201", false, CellSpace::kNasBench201, {"reference", "holdout"}},
      {"nb101", false, CellSpace::kNasBench101, {"reference", "holdout"}},
      {"nnlqp", true, CellSpace::kNasBench201, {"stage", "leave_family_out", "holdout"}},
  };
  return table;
}

std::vector<std::string> dataset_names() {
  std::vector<std::string> names;
  for (const DatasetInfo& info : datasets()) names.emplace_back(info.name);
  return names;
}

const DatasetInfo& dataset_info(const std::string& name) {
  for (const DatasetInfo& info : datasets())
    if (info.name == name) return info;
  throw ConfigError("unknown data.dataset '" + name + "'");
}

}  // namespace narformer
