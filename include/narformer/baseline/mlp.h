#pragma once
// The MLP baseline, the floor NAS predictor papers compare with (an encoding or path
// encoding into a few fully connected ReLU layers):
//
//   z = (log1p(x) − mean) / std            per input column, from the training rows
//   h = ReLU(W_k ... ReLU(W_1 z + b_1) ...)
//   ŷ = scale · exp(w_out·h + b_out)       scale = geometric mean of the training labels
//
// log1p tames work totals that span orders of magnitude (the features are non-negative);
// the exponential output keeps latencies positive and makes a relative error a difference
// of logs. Trained with LibTorch on the relative squared error, or the squared error of ŷ/scale
// for accuracy (BaselineLoss; train/baseline_trainer.h);
// this forward pass is plain C++ (Eigen), so predicting needs no LibTorch.

#include <string>
#include <vector>

#include "narformer/baseline/linear_model.h"
#include "narformer/runtime/weight_file.h"

namespace narformer {

struct MlpModel {
  std::vector<double> input_mean, input_std;  ///< per column, applied after log1p
  double scale = 1;
  /// Layer l: weights[l] is out x in (row-major), biases[l] has out values; the last layer
  /// has one output.
  std::vector<NamedArray> weights, biases;

  std::vector<double> predict(const FeatureRows& rows) const;
  /// The standardised input of one row (what the first layer reads).
  std::vector<float> standardise(const std::vector<float>& row) const;

  /// Arrays under `prefix` ("head0.") in a weight file; scale and statistics included.
  void write_to(WeightFile& file, const std::string& prefix) const;
  /// Throws RunError naming `source` when arrays are missing or do not fit together.
  static MlpModel read_from(const WeightFile& file, const std::string& prefix,
                            const std::string& source);
};

}  // namespace narformer
