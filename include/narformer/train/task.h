#pragma once
// A task ties a dataset to the model: what the tokens look like, which items train, validate
// and test, and how test predictions are reported. The trainer and the CLI only see this.

#include <memory>
#include <string>

#include <torch/torch.h>

#include "narformer/config/config.h"
#include "narformer/eval/metrics.h"
#include "narformer/model/narformer_model.h"
#include "narformer/train/trainer.h"

namespace narformer {

struct TestReport {
  MetricSummary metrics;
  std::string checkpoint;        ///< which checkpoint was evaluated
  std::string predictions_file;  ///< where per-item predictions were written ("" = not written)
};

class Task {
 public:
  virtual ~Task() = default;

  /// Width of a token row and of the graph-level features (0 = none).
  virtual int64_t input_dim() const = 0;
  virtual int64_t static_dim() const { return 0; }

  virtual TrainingSet training_set() const = 0;
  virtual EvaluationSet validation_set() const = 0;

  /// Predicts the test split; when `predictions_path` is not empty, writes one CSV row per
  /// item there (atomically).
  virtual MetricSummary evaluate_test(NarFormerModel& model, const torch::Device& device,
                                      const std::string& predictions_path) const = 0;

  /// One line for the log: data source and split sizes.
  virtual std::string summary() const = 0;
};

/// The task a config describes (by data.dataset). Reads and validates the data.
std::unique_ptr<Task> make_task(const Config& config);

}  // namespace narformer
