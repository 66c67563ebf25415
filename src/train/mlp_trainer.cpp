// MLP baseline training (LibTorch). The forward pass used for every prediction, validation
// included, is MlpModel's (baseline/mlp.h), so what is selected is what predict computes.
#include <cmath>
#include <limits>

#include "narformer/core/error.h"
#include "narformer/train/baseline_trainer.h"

namespace narformer {

namespace {

torch::Tensor to_tensor(const std::vector<std::vector<float>>& rows) {
  const int64_t n = static_cast<int64_t>(rows.size()),
                d = static_cast<int64_t>(rows.front().size());
  torch::Tensor t = torch::empty({n, d}, torch::kFloat32);
  float* out = t.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i)
    std::copy(rows[static_cast<size_t>(i)].begin(), rows[static_cast<size_t>(i)].end(),
              out + i * d);
  return t;
}

NamedArray to_array(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  NamedArray a;
  a.shape = c.sizes().vec();
  a.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  return a;
}

}  // namespace

MlpModel train_mlp(const FeatureRows& rows, const std::vector<double>& labels,
                   const FeatureRows& val_rows, const ValidationScore& score,
                   const MlpSettings& s) {
  if (rows.empty() || rows.size() != labels.size())
    throw DataError("mlp: need one label per row and at least one row");
  const size_t width = rows.front().size();
  MlpModel model;
  // Input statistics of log1p(x), and the label scale (geometric mean).
  model.input_mean.assign(width, 0.0);
  model.input_std.assign(width, 0.0);
  double log_scale = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != width) throw DataError("mlp: feature rows of different widths");
    if (!(labels[i] > 0) || !std::isfinite(labels[i]))
      throw DataError("mlp: label " + std::to_string(labels[i]) + " is not a positive number");
    log_scale += std::log(labels[i]) / static_cast<double>(rows.size());
    for (size_t j = 0; j < width; ++j)
      model.input_mean[j] +=
          std::log1p(std::max(0.0f, rows[i][j])) / static_cast<double>(rows.size());
  }
  for (const auto& row : rows)
    for (size_t j = 0; j < width; ++j) {
      const double d = std::log1p(std::max(0.0f, row[j])) - model.input_mean[j];
      model.input_std[j] += d * d / static_cast<double>(rows.size());
    }
  for (double& v : model.input_std) v = v > 1e-12 ? std::sqrt(v) : 1.0;
  model.scale = std::exp(log_scale);

  FeatureRows standardised;
  standardised.reserve(rows.size());
  for (const auto& row : rows) standardised.push_back(model.standardise(row));
  const torch::Tensor x = to_tensor(standardised);
  // Relative: exp(o + log(scale / y)) = ŷ / y against 1. Squared: exp(o) = ŷ / scale against y /
  // scale.
  const bool relative = s.loss == BaselineLoss::kRelative;
  std::vector<float> offsets, targets;
  for (double y : labels) {
    offsets.push_back(relative ? static_cast<float>(log_scale - std::log(y)) : 0.0f);
    targets.push_back(relative ? 1.0f : static_cast<float>(y / model.scale));
  }
  const torch::Tensor offset = torch::tensor(offsets), target = torch::tensor(targets);

  torch::manual_seed(s.seed);
  std::vector<torch::nn::Linear> layers;
  int64_t in = static_cast<int64_t>(width);
  for (int64_t l = 0; l < s.layers; ++l) {
    layers.emplace_back(in, s.hidden);
    in = s.hidden;
  }
  layers.emplace_back(in, 1);
  std::vector<torch::Tensor> parameters;
  for (auto& layer : layers)
    for (const auto& p : layer->parameters()) parameters.push_back(p);
  {  // start at the geometric mean: the output layer begins at zero
    torch::NoGradGuard no_grad;
    layers.back()->weight.zero_();
    layers.back()->bias.zero_();
  }
  torch::optim::AdamW optimizer(parameters,
                                torch::optim::AdamWOptions(s.lr).weight_decay(s.weight_decay));
  const auto forward = [&](const torch::Tensor& input) {
    torch::Tensor h = input;
    for (size_t l = 0; l < layers.size(); ++l) {
      h = layers[l]->forward(h);
      if (l + 1 < layers.size()) h = torch::relu(h);
    }
    return h.squeeze(1);
  };
  const auto snapshot = [&] {
    MlpModel m = model;
    m.weights.clear();
    m.biases.clear();
    for (auto& layer : layers) {
      m.weights.push_back(to_array(layer->weight));
      m.biases.push_back(to_array(layer->bias));
    }
    return m;
  };

  const int64_t n = x.size(0);
  const int64_t batches = (n + s.batch_size - 1) / s.batch_size;
  MlpModel best = snapshot();
  double best_score = val_rows.empty() ? 0 : score(best.predict(val_rows));
  for (int64_t epoch = 1; epoch <= s.epochs; ++epoch) {
    const double lr =
        0.5 * s.lr *
        (1 + std::cos(M_PI * static_cast<double>(epoch - 1) / static_cast<double>(s.epochs)));
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    const torch::Tensor order = torch::randperm(n, torch::kLong);
    for (int64_t b = 0; b < batches; ++b) {
      const torch::Tensor index =
          order.slice(0, b * s.batch_size, std::min(n, (b + 1) * s.batch_size));
      const torch::Tensor ratio =
          torch::exp(forward(x.index_select(0, index)) + offset.index_select(0, index));
      const torch::Tensor loss = (ratio - target.index_select(0, index)).pow(2).mean();
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
    if (val_rows.empty() || (epoch % s.check_every != 0 && epoch != s.epochs)) continue;
    MlpModel current = snapshot();
    const double value = score(current.predict(val_rows));
    if (value < best_score || !std::isfinite(best_score))
      best_score = value, best = std::move(current);
  }
  return val_rows.empty() ? snapshot() : best;
}

}  // namespace narformer
