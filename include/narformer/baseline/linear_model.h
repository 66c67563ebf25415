#pragma once
// The linear baseline: y ≈ w·x + b, fitted in closed form by least squares on the relative
// error, the quantity every latency and accuracy metric here divides by:
//
//   minimise  Σ_i ((w·x_i + b) / y_i − 1)²  +  ridge · Σ_j s_j w_j²,   s_j = Σ_i (x_ij / y_i)²
//
// (BaselineLoss::kSquared: Σ_i (w·x_i + b − y_i)², s_j = Σ_i x_ij², for accuracy.)
//
// s_j makes `ridge` dimensionless (the same value means the same shrinkage for a one-hot
// column and for a GFLOP column); the bias is not shrunk. Rank-deficient systems (a one-hot
// per edge plus a bias) get the minimum-norm solution, whose predictions are those of any
// other minimiser. With `non_negative`, every weight and the bias are >= 0 (Lawson-Hanson
// active set): a latency model with a negative price per FLOP predicts negative latencies
// for networks bigger than any in training. No LibTorch (Eigen).

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace narformer {

using FeatureRows = std::vector<std::vector<float>>;

/// What every baseline minimises. kRelative for latency, where the metrics (MAPE, Acc@δ)
/// divide by the label; kSquared for accuracy, ranked by Kendall's tau: a relative error
/// weighs the few untrainable 10 %-accuracy cells 80x more than the good ones and costs a
/// linear model on NB201 a third of its tau (0.36 against 0.54 on the smoke split).
enum class BaselineLoss { kRelative, kSquared };

/// "relative" | "squared"; ConfigError otherwise.
BaselineLoss parse_baseline_loss(const std::string& name);
std::string to_string(BaselineLoss loss);

struct LinearOptions {
  double ridge = 0;
  bool non_negative = false;
  BaselineLoss loss = BaselineLoss::kRelative;
};

struct LinearModel {
  std::vector<double> weights;
  double bias = 0;

  double predict(const std::vector<float>& row) const;
  std::vector<double> predict(const FeatureRows& rows) const;
  nlohmann::json to_json() const;
  /// Throws RunError naming `source` for a malformed object.
  static LinearModel from_json(const nlohmann::json& json, const std::string& source);
};

/// Throws DataError for no rows, rows of different widths, or labels that are not positive.
LinearModel fit_linear(const FeatureRows& rows, const std::vector<double>& labels,
                       const LinearOptions& options);

}  // namespace narformer
