// The task factory: which Task class serves a data.dataset, by what its items are.
#include "narformer/config/datasets.h"
#include "narformer/core/error.h"
#include "narformer/train/latency_task.h"
#include "narformer/train/nas_task.h"

namespace narformer {

std::unique_ptr<Task> make_task(const Config& config) {
  switch (dataset_info(config.data.dataset).input) {
    case InputKind::kCells:
      return std::make_unique<NasTask>(config);
    case InputKind::kOnnx:
      return std::make_unique<LatencyTask>(config);
  }
  throw ConfigError("data.dataset '" + config.data.dataset + "': no task for its input kind");
}

ModelOptions model_options(const Config& config, const Task& task) {
  ModelOptions options =
      ModelOptions::from_config(config.model, task.input_dim(), task.static_dim());
  options.num_heads = task.num_heads();
  return options;
}

}  // namespace narformer
