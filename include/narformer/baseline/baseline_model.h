#pragma once
// A trained baseline as a run folder holds it, and its declared grid. The baselines answer
// the question every results table must: better than what?
//
//   linear   relative-error least squares on the encoding (baseline/linear_model.h)
//   mlp      a ReLU MLP on the graph features (baseline/mlp.h)
//   gbdt     XGBoost on the graph features (baseline/gbdt.h)
//   rescale  transfer: a source run's predictions times one factor per platform, fitted on
//            the N measurements of the new device (train.init_from is the source)
//
// Features: baseline/features.h. One regressor per output head (platform). Files in the run
// folder, each written atomically: baseline.json (kind, features, the chosen setting, linear
// weights or rescale factors), baseline.weights (MLP), baseline.head<h>.xgb.json (trees).
// No LibTorch.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "narformer/baseline/features.h"
#include "narformer/baseline/gbdt.h"
#include "narformer/baseline/linear_model.h"
#include "narformer/baseline/mlp.h"
#include "narformer/config/config.h"
#include "narformer/eval/metrics.h"

namespace narformer {

enum class BaselineKind { kLinear, kMlp, kGbdt, kRescale };

/// A baseline run file's "kind" -> BaselineKind; ConfigError for anything else.
BaselineKind parse_baseline_kind(const std::string& name);
/// The config's model.kind as a baseline; ConfigError for narformer.
BaselineKind baseline_kind(ModelKind kind);
std::string to_string(BaselineKind kind);

/// The feature set a config's baseline reads (baseline.features, auto resolved).
FeatureSet baseline_features(const Config& config);
/// What a config's baseline minimises (baseline.loss; auto: relative when eval.selection is
/// mape, squared when it is kendall_tau).
BaselineLoss baseline_loss(const Config& config);

/// Every setting of the config's baseline grid, as JSON objects of the varied keys
/// ({"ridge": 1e-4}, {"hidden": 128, "layers": 2, "lr": 0.001, "weight_decay": 0}, ...), in
/// declaration order; one empty object for rescale.
std::vector<nlohmann::json> baseline_grid(const Config& config);

struct BaselineHead {
  LinearModel linear;
  MlpModel mlp;
  GbdtModel gbdt;
  double factor = 1;  ///< rescale
};

struct BaselineModel {
  BaselineKind kind = BaselineKind::kLinear;
  FeatureSet features = FeatureSet::kEncoding;
  BaselineLoss loss = BaselineLoss::kRelative;
  std::vector<std::string> feature_names;
  nlohmann::json setting = nlohmann::json::object();  ///< the grid point chosen on validation
  std::string source_run;                             ///< rescale: the run it rescales
  std::vector<BaselineHead> heads;

  /// Predictions of head `head` for feature rows (not for rescale, which has no features).
  std::vector<double> predict(const FeatureRows& rows, int64_t head) const;

  /// Writes the files above into `run_dir` (which must exist).
  void save(const std::string& run_dir) const;
  /// Throws RunError naming the file when one is missing or malformed.
  static BaselineModel load(const std::string& run_dir);
};

/// model.prior: linear (cells): the linear baseline on the cell encoding, its ridge chosen on
/// validation from baseline.linear.ridge with eval.selection, as model.kind linear would
/// choose it. The Transformer then learns a multiplicative correction of its prediction
/// (TokenSequence::prior), as the cost readout does for ONNX graphs.
struct LinearPrior {
  LinearModel model;
  double ridge = 0;
  double floor = 0;  ///< predictions are clamped to at least this (a prior must be positive)
  MetricSummary
      validation;  ///< the kept ridge on the validation rows (fit_linear_prior; not saved)

  float value(const Cell& cell) const;
  /// The same for a row of cell_features(cell, FeatureSet::kEncoding).
  float value(const std::vector<float>& encoding) const;
  nlohmann::json to_json() const;
  /// Throws RunError naming `source` for a malformed object.
  static LinearPrior from_json(const nlohmann::json& json, const std::string& source);
};

/// Fits the prior on (rows, labels), choosing the ridge on (val_rows, val_labels); rows are
/// cell_features(cell, FeatureSet::kEncoding). Throws DataError for bad data.
LinearPrior fit_linear_prior(const Config& config, const FeatureRows& rows,
                             const std::vector<double>& labels, const FeatureRows& val_rows,
                             const std::vector<double>& val_labels);

}  // namespace narformer
