#pragma once
// Training the baselines (baseline/baseline_model.h) on a task's splits: every setting of
// the declared grid is fitted on the training split and scored on the validation split with
// eval.selection; the best is kept. The test split is never looked at here.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "narformer/baseline/baseline_model.h"
#include "narformer/config/config.h"
#include "narformer/train/task.h"

namespace narformer {

struct MlpSettings {
  int64_t hidden = 128;
  int64_t layers = 2;  ///< hidden layers
  double lr = 1e-3;    ///< AdamW, cosine decay to 0 over the epochs
  double weight_decay = 0;
  int64_t epochs = 300;
  int64_t batch_size = 32;
  int64_t check_every = 5;  ///< validation scored every this many epochs; the best is kept
  uint64_t seed = 0;
  BaselineLoss loss = BaselineLoss::kRelative;
};

/// Trains an MLP baseline (LibTorch, settings.loss) and returns its weights at the
/// best validation score (`score`: lower is better). Throws DataError for bad data.
MlpModel train_mlp(const FeatureRows& rows, const std::vector<double>& labels,
                   const FeatureRows& val_rows, const ValidationScore& score,
                   const MlpSettings& settings);

struct BaselineFit {
  BaselineModel model;
  double best_score = 0;     ///< eval.selection on validation (tau: higher, mape: lower is better)
  MetricSummary validation;  ///< the kept setting on the validation split
  int64_t settings = 0;      ///< grid size
  double seconds = 0;
};

/// Fits the config's baseline. Each setting's validation metrics go to `metrics_file` as one
/// JSON line ("" = not written) and to the log.
BaselineFit fit_baseline(const Config& config, const Task& task, const std::string& metrics_file);

/// Test predictions of a fitted baseline, in flat_set(kTest) order.
std::vector<double> predict_baseline(const Task& task, const BaselineModel& model);

}  // namespace narformer
