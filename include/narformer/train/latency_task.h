#pragma once
// Latency prediction on NNLQP-format data (gt.txt lines + weight-free ONNX files): ONNX
// tokens (152-d per node + 40-d graph statistics), sum readout with the static branch, the
// relative-error loss, MAPE / RMSPE / Acc@δ / Kendall's tau overall and per family, and one
// output head per platform.
//
// Lines whose ONNX file is missing or cannot be imported are never dropped silently: they
// are counted per family in the log and listed in the run folder's skipped.txt.
//
// data.extra_train adds the lines of more files to the training split only (after the split
// of data.path is drawn, so validation and test are the same with or without them): device
// measurements that are not a network family, such as single-operator kernels.

#include <string>
#include <vector>

#include "narformer/data/latency_table.h"
#include "narformer/data/split.h"
#include "narformer/train/task.h"

namespace narformer {

class TokenCache;

class LatencyTask : public Task {
 public:
  explicit LatencyTask(const Config& config);

  int64_t input_dim() const override { return input_dim_; }
  int64_t static_dim() const override { return static_dim_; }
  int64_t num_heads() const override { return static_cast<int64_t>(platforms_.size()); }
  std::vector<std::string> head_names() const override { return platforms_; }
  TrainingSet training_set() const override;
  EvaluationSet validation_set() const override;
  TestResult evaluate_test(NarFormerModel& model, const torch::Device& device,
                           const std::string& predictions_path,
                           DataParallelGroup* group = nullptr) const override;
  FlatSet flat_set(SplitPart part, FeatureSet features, bool with_rows = true) const override;
  TestResult report_test(const std::vector<double>& predictions,
                         const std::string& predictions_path) const override;
  std::string summary() const override;
  std::string skipped_report() const override;
  nlohmann::json import_summary() const override;

  /// The usable records (after filters and import), their tokens and head indices.
  const std::vector<LatencyRecord>& records() const { return records_; }
  const Split& split() const { return split_; }
  const std::vector<std::string>& platforms() const { return platforms_; }

 private:
  EvaluationSet subset(const std::vector<int64_t>& indices) const;
  /// Tokenizes the table's lines that pass the filters (data.families only when
  /// `family_filter`) into records_ / tokens_ / heads_; lines that fail go to skipped_.
  void load_lines(const LatencyTable& table, TokenCache& cache, bool family_filter);

  Config config_;
  std::vector<LatencyRecord> records_;
  std::vector<TokenPtr> tokens_;
  std::vector<int64_t> heads_;
  std::vector<std::string> platforms_;  ///< head i predicts platform platforms_[i]
  std::vector<std::string> skipped_;    ///< "line id path: reason"
  Split split_;
  int64_t input_dim_ = 0;
  int64_t static_dim_ = 0;
  int64_t lines_read_ = 0;
  int64_t first_extra_line_ = 0;  ///< records_ from this index on come from data.extra_train
  // Usable graphs the importer could not read completely (they still train).
  int64_t graphs_missing_shapes_ = 0;
  int64_t nodes_missing_shapes_ = 0;
  int64_t graphs_unknown_ops_ = 0;
};

}  // namespace narformer
