#pragma once
// The gradient-boosted-trees baseline: XGBoost (its C API, Debian's libxgboost-dev) with
// squared error on the log of the label for BaselineLoss::kRelative (a difference of logs ≈ a
// relative error, the quantity the latency metrics divide by), on the label itself for
// kSquared. Rounds are chosen on the validation rows: boosting stops
// `early_stopping` rounds after the validation score last improved, and the model keeps the
// trees up to its best round. No LibTorch. Built where CMake finds XGBoost; elsewhere every
// call throws ConfigError saying so (gbdt_available() tells first).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "narformer/baseline/linear_model.h"

namespace narformer {

struct GbdtSettings {
  int64_t max_depth = 6;
  double eta = 0.1;  ///< learning rate
  double min_child_weight = 1;
  double subsample = 0.8;  ///< rows per tree
  double colsample = 0.8;  ///< columns per tree
  int64_t max_rounds = 2000;
  int64_t early_stopping = 100;  ///< rounds without a better validation score before stopping
  int64_t check_every = 10;      ///< validation scored every this many rounds
  uint64_t seed = 0;
  int threads = 0;  ///< 0 = all cores
  BaselineLoss loss = BaselineLoss::kRelative;
};

/// Scores predictions of the validation rows; lower is better (e.g. MAPE, or −tau).
using ValidationScore = std::function<double(const std::vector<double>& predictions)>;

bool gbdt_available();

class GbdtModel {
 public:
  /// Trains on (rows, labels > 0), stopping on `score` of the validation rows (which must not
  /// be empty). Throws DataError for bad data, ConfigError without XGBoost, Error for an
  /// XGBoost failure (its message included).
  static GbdtModel fit(const FeatureRows& rows, const std::vector<double>& labels,
                       const FeatureRows& val_rows, const ValidationScore& score,
                       const GbdtSettings& settings);
  /// A model saved by to_bytes(); `source` names it in errors (RunError).
  static GbdtModel from_bytes(const std::string& bytes, const std::string& source,
                              BaselineLoss loss);

  std::vector<double> predict(const FeatureRows& rows) const;
  /// XGBoost's JSON model format.
  std::string to_bytes() const;
  int64_t rounds() const { return rounds_; }

 private:
  std::shared_ptr<void> booster_;  ///< BoosterHandle, freed with XGBoosterFree
  int64_t rounds_ = 0;
  bool log_target_ = true;  ///< trees predict log y (kRelative)
};

}  // namespace narformer
