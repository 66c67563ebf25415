#pragma once
// A task ties a dataset to the model: what the tokens look like, which items train, validate
// and test, and how test predictions are reported. The trainer and the CLI only see this.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "narformer/baseline/features.h"
#include "narformer/baseline/linear_model.h"
#include "narformer/config/config.h"
#include "narformer/data/split.h"
#include "narformer/eval/metrics.h"
#include "narformer/model/narformer_model.h"
#include "narformer/train/trainer.h"

namespace narformer {

/// Metrics over the whole test split and per group (model family for latency data).
struct TestResult {
  MetricSummary overall;
  std::map<std::string, MetricSummary> groups;
  std::string group_key = "per_family";  ///< test_metrics.json's key for the groups
  std::vector<double> truths;            ///< per test item, for plots
  std::vector<double> predictions;
  std::vector<std::string> item_groups;  ///< per test item; empty = no groups
  bool log_scale = false;                ///< latency: plot log-log
  std::string quantity;                  ///< axis label
  std::optional<MetricSummary>
      baseline;  ///< cost readout: its fitted linear model alone, same items
};

struct TestReport {
  MetricSummary metrics;
  std::map<std::string, MetricSummary> groups;  ///< per family, or per label column (data.labels)
  std::string group_key = "per_family";         ///< test_metrics.json's key for them
  std::string checkpoint;                       ///< which checkpoint was evaluated
  std::string predictions_file;  ///< where per-item predictions were written ("" = not written)
  std::string plots;             ///< what the plots step did
  std::optional<MetricSummary> baseline;  ///< cost readout: its linear cost model alone
                                          ///< (test_metrics.json "linear_cost_model")
};

/// A split part as the baselines read it (baseline/baseline_model.h): one flat feature row
/// per item, the labels it is scored on, the output heads, and what names each item for
/// another run's predictor (the transfer baseline predicts them with its source run).
struct FlatSet {
  FeatureRows rows;  ///< empty when not asked for
  std::vector<double> labels;
  std::vector<int64_t> heads;          ///< empty = head 0
  std::vector<std::string> keys;       ///< ONNX path (latency) or arch string (cells)
  std::vector<int64_t> batch_sizes;    ///< latency: the batch each ONNX graph is read at
  std::vector<std::string> platforms;  ///< latency: the platform id per item
};

class Task {
 public:
  virtual ~Task() = default;

  /// Width of a token row and of the graph-level features (0 = none).
  virtual int64_t input_dim() const = 0;
  virtual int64_t static_dim() const { return 0; }

  virtual TrainingSet training_set() const = 0;
  virtual EvaluationSet validation_set() const = 0;

  /// Predicts the test split, shared out among the ranks of `group` when one is given; when
  /// `predictions_path` is not empty, writes one CSV row per item there (atomically).
  virtual TestResult evaluate_test(NarFormerModel& model, const torch::Device& device,
                                   const std::string& predictions_path,
                                   DataParallelGroup* group = nullptr) const = 0;

  /// The items of `part` for a baseline: rows of `features` (none when `with_rows` is false),
  /// labels as training (train) or scoring (validation, test) uses them. The validation part
  /// follows eval.selection_split, as validation_set() does.
  virtual FlatSet flat_set(SplitPart part, FeatureSet features, bool with_rows = true) const = 0;
  /// Metrics and predictions.csv (when `predictions_path` is not empty) of predictions of the
  /// test split, in flat_set(kTest) order.
  virtual TestResult report_test(const std::vector<double>& predictions,
                                 const std::string& predictions_path) const = 0;

  /// Output heads the model needs (one per platform for multi-platform latency data).
  virtual int64_t num_heads() const { return 1; }
  /// What each head predicts (platform ids); empty for single-head tasks.
  virtual std::vector<std::string> head_names() const { return {}; }

  /// One line for the log: data source and split sizes.
  virtual std::string summary() const = 0;

  /// Items of the data that could not be used, one per line, with the reason ("" = none);
  /// written to the run folder as skipped.txt.
  virtual std::string skipped_report() const { return ""; }

  /// What the importer could not read in the usable graphs (missing shapes, unknown
  /// operators) and how many lines were skipped, for test_metrics.json ("import"); null for
  /// data without an importer (cell tables).
  virtual nlohmann::json import_summary() const { return nullptr; }

  /// Files the run folder needs besides the model to predict as training did (NasTask: the
  /// fitted prior.json of model.prior). Called once the run folder exists.
  virtual void write_run_files(const std::string& run_dir) const { (void)run_dir; }
};

/// The task a config describes (by data.dataset). Reads and validates the data.
std::unique_ptr<Task> make_task(const Config& config);

/// The model a config describes, sized for the task's tokens and heads.
ModelOptions model_options(const Config& config, const Task& task);

}  // namespace narformer
