// Adding a readout takes one file and one registry line. This file is that file: a toy
// readout (the largest value of each channel over the nodes, times a learned scale) declared,
// written for LibTorch and without it, registered in one call, then named in a config, trained,
// and served by the LibTorch-free predictor, with nothing else in the library touched.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "../test_util.h"
#include "../train/latency_fixture.h"
#include "narformer/core/error.h"
#include "narformer/model/model_parts.h"
#include "narformer/torch_free/lite_predictor.h"
#include "narformer/train/experiment.h"
#include "parity.h"

namespace narformer {
namespace {

// The declaration: one array, "toy_scale", one value per channel.
std::vector<ParameterShape> toy_arrays(const ModelOptions& o) {
  return {{"toy_scale", {o.hidden}}};
}

// LibTorch: max over real nodes of the last block, times the scale.
class ToyMaxReadout : public ReadoutModule {
 public:
  ToyMaxReadout(torch::nn::Module& model, const ModelOptions& o)
      : scale_(model.register_parameter("toy_scale", torch::ones({o.hidden}))) {}
  torch::Tensor pool(const std::vector<torch::Tensor>& layers, const torch::Tensor& mask) override {
    const torch::Tensor padded = (mask.unsqueeze(-1) == 0).expand_as(layers.back());
    return std::get<0>(layers.back().masked_fill(padded, -1e30).max(1)) * scale_;
  }

 private:
  torch::Tensor scale_;
};

// Without LibTorch: the same for one graph.
class LiteToyMaxReadout : public LiteReadout {
 public:
  LiteToyMaxReadout(const WeightFile& weights, const ModelOptions& o, const std::string& source)
      : hidden_(o.hidden), scale_(weights.at("toy_scale", {o.hidden}, source).values.data()) {}
  std::vector<float> pool(const std::vector<std::vector<float>>& layers,
                          int64_t nodes) const override {
    std::vector<float> g(static_cast<size_t>(hidden_), -std::numeric_limits<float>::infinity());
    for (int64_t i = 0; i < nodes; ++i)
      for (int64_t k = 0; k < hidden_; ++k)
        g[static_cast<size_t>(k)] = std::max(g[static_cast<size_t>(k)],
                                             layers.back()[static_cast<size_t>(i * hidden_ + k)]);
    for (int64_t k = 0; k < hidden_; ++k) g[static_cast<size_t>(k)] *= scale_[k];
    return g;
  }

 private:
  int64_t hidden_;
  const float* scale_;
};

const ReadoutSpec& toy_readout() {
  // The one registry line.
  static const ReadoutSpec& spec = register_readout(
      {"toy_max", "channel-wise max over nodes, scaled", &graph_mlp_head(), toy_arrays},
      [](torch::nn::Module& model, const ModelOptions& o) {
        return std::make_unique<ToyMaxReadout>(model, o);
      },
      [](const WeightFile& w, const ModelOptions& o, const std::string& source) {
        return std::make_unique<LiteToyMaxReadout>(w, o, source);
      });
  return spec;
}

TEST(ToyReadout, OneFileAndOneRegistryLineGiveATrainableServableReadout) {
  const ReadoutSpec& toy = toy_readout();
  EXPECT_EQ(&find_readout("toy_max"), &toy);
  // The parity test every registered readout gets.
  testing::expect_readout_keeps_its_contract(toy);

  // A config names it; training, the run folder and the LibTorch-free predictor take it.
  testing::TempDir dir;
  Config config = testing::latency_config(testing::write_dataset(dir.path()), dir.path() + "/runs");
  apply_override(config, "model.readout=toy_max");
  const TrainReport report = train_experiment(config, {});
  std::ifstream csv(report.run_dir + "/predictions.csv");
  std::string line;
  std::getline(csv, line);
  int rows = 0;
  const LitePredictor lite(report.run_dir);
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, ',');) f.push_back(field);
    const double expected = std::stod(f[6]);
    EXPECT_NEAR(lite.predict_onnx(f[4], 1, f[2]), expected, 1e-5 * expected) << f[4];
    ++rows;
  }
  EXPECT_EQ(rows, 12);
  // A readout name is taken once.
  EXPECT_THROW(
      register_readout({"toy_max", "again", &graph_mlp_head(), toy_arrays}, nullptr, nullptr),
      ConfigError);
}

}  // namespace
}  // namespace narformer
