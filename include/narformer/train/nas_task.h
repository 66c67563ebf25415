#pragma once
// Accuracy prediction on NAS-Bench-101/201 tables: cell tokens, fusion readout, ranking and
// consistency losses, Kendall's tau on held-out architectures. With data.labels, one head per
// label column (HELP's latency per device): an item is a (cell, head) pair, the split is over
// cells, so every head of a cell sits in the same split part.

#include <optional>

#include "narformer/baseline/baseline_model.h"
#include "narformer/cells/cell.h"
#include "narformer/data/nas_table.h"
#include "narformer/data/split.h"
#include "narformer/tokenize/cell_tokenizer.h"
#include "narformer/train/task.h"

namespace narformer {

class NasTask : public Task {
 public:
  explicit NasTask(const Config& config);

  int64_t input_dim() const override { return tokenizer_.feature_dim(); }
  TrainingSet training_set() const override;
  EvaluationSet validation_set() const override;
  TestResult evaluate_test(NarFormerModel& model, const torch::Device& device,
                           const std::string& predictions_path,
                           DataParallelGroup* group = nullptr) const override;
  FlatSet flat_set(SplitPart part, FeatureSet features, bool with_rows = true) const override;
  TestResult report_test(const std::vector<double>& predictions,
                         const std::string& predictions_path) const override;
  std::string summary() const override;
  void write_run_files(const std::string& run_dir) const override;
  int64_t num_heads() const override;
  std::vector<std::string> head_names() const override { return config_.data.labels; }

  const NasTable& table() const { return table_; }
  const Split& split() const { return split_; }

 private:
  TokenPtr tokenize(const Cell& cell) const;
  /// `record`'s label for `head`: its data.labels column, else the train or eval label.
  double label_of(const NasRecord& record, int64_t head, bool training) const;

  Config config_;
  NasTable table_;
  Split split_;
  CellTokenizer tokenizer_;
  std::optional<LinearPrior> prior_;  ///< model.prior: linear
};

}  // namespace narformer
