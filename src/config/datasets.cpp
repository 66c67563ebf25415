#include "narformer/config/datasets.h"

#include <deque>

#include "narformer/core/error.h"

namespace narformer {

namespace {

// A deque: entries handed out by reference stay put when formats are added.
std::deque<DatasetInfo>& registry() {
  static std::deque<DatasetInfo> table = {
      {"nb201",
       InputKind::kCells,
       CellSpace::kNasBench201,
       {Protocol::kReference, Protocol::kHoldout},
       TrainingLoss::kRelativeError,
       nullptr},
      {"nb101",
       InputKind::kCells,
       CellSpace::kNasBench101,
       {Protocol::kReference, Protocol::kHoldout},
       TrainingLoss::kRelativeError,
       nullptr},
      {"nnlqp",
       InputKind::kOnnx,
       CellSpace::kNasBench201,
       {Protocol::kStage, Protocol::kLeaveFamilyOut, Protocol::kHoldout, Protocol::kAll},
       TrainingLoss::kRelativeError,
       nullptr},
  };
  return table;
}

}  // namespace

std::vector<std::string> dataset_names() {
  std::vector<std::string> names;
  for (const DatasetInfo& info : registry()) names.push_back(info.name);
  return names;
}

const DatasetInfo& dataset_info(const std::string& name) {
  for (const DatasetInfo& info : registry())
    if (info.name == name) return info;
  std::string known;
  for (const DatasetInfo& info : registry()) known += (known.empty() ? "" : ", ") + info.name;
  throw ConfigError("unknown data.dataset '" + name + "' (known: " + known + ")");
}

const DatasetInfo& add_dataset(DatasetInfo info) {
  for (const DatasetInfo& known : registry())
    if (known.name == info.name)
      throw ConfigError("data.dataset '" + info.name + "' is registered already");
  if (info.protocols.empty())
    throw ConfigError("data.dataset '" + info.name + "': declare at least one data.protocol");
  registry().push_back(std::move(info));
  return registry().back();
}

}  // namespace narformer
