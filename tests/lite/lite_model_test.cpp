// The torch-free forward pass gives NarFormerModel's numbers, for every readout and head.
#include "narformer/lite/lite_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <set>

#include "narformer/cells/nb101.h"
#include "narformer/core/error.h"
#include "narformer/data/batch.h"
#include "narformer/model/cost_prior.h"
#include "narformer/model/narformer_model.h"
#include "narformer/runtime/checkpoint.h"
#include "narformer/tokenize/cell_tokenizer.h"

namespace narformer {
namespace {

/// Random weights everywhere (a fresh model's zero-initialised and 1e-4 layers would hide
/// mistakes in the FFN and the cost correction); rates positive.
void randomize(NarFormerModel& model) {
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.copy_(torch::randn(p.sizes()) * 0.3);
  for (auto& b : model->buffers()) b.copy_(torch::rand(b.sizes()) + 0.1);
}

/// Chains with a skip edge, sinusoidal features, static features and node costs.
std::vector<TokenSequence> graphs(int64_t feature_dim, int64_t static_dim, bool costs) {
  std::vector<TokenSequence> out;
  for (int n : {1, 4, 11}) {
    TokenSequence t;
    t.num_nodes = n;
    t.feature_dim = static_cast<int>(feature_dim);
    for (int i = 0; i < n * feature_dim; ++i)
      t.features.push_back(std::sin(0.31f * static_cast<float>(i + 5 * n)));
    for (int i = 0; i + 1 < n; ++i) t.edges.emplace_back(i, i + 1);
    if (n > 3) t.edges.emplace_back(0, 3);
    for (int64_t s = 0; s < static_dim; ++s)
      t.static_features.push_back(0.1f * static_cast<float>(s + n));
    if (costs)
      for (int i = 0; i < n * kNodeCostDims; ++i)
        t.node_costs.push_back(0.01f * static_cast<float>((i * 7) % 23));
    out.push_back(t);
  }
  return out;
}

void expect_lite_equals_torch(const ModelOptions& options,
                              const std::vector<TokenSequence>& items) {
  torch::manual_seed(11);
  NarFormerModel model(options);
  randomize(model);
  model->eval();
  const LiteModel lite(options, model_weights(model), "test weights");
  torch::NoGradGuard no_grad;
  for (const TokenSequence& t : items) {
    for (int64_t head = 0; head < options.num_heads; ++head) {
      PaddedBatch batch = collate({&t});
      if (options.num_heads > 1) batch.head_index = {head};
      const double expected =
          model->forward(to_tensors(std::move(batch), torch::kCPU))[0].item<double>();
      EXPECT_NEAR(lite.predict(t, head), expected, 1e-4 * std::abs(expected) + 1e-6)
          << t.num_nodes << " nodes, head " << head;
    }
    const torch::Tensor expected = model->embed(to_tensors(collate({&t}), torch::kCPU))[0];
    const std::vector<float> embedded = lite.embed(t);
    ASSERT_EQ(static_cast<int64_t>(embedded.size()), expected.size(0));
    for (int64_t k = 0; k < expected.size(0); ++k)
      EXPECT_NEAR(embedded[static_cast<size_t>(k)], expected[k].item<float>(),
                  1e-4 * (1 + std::abs(expected[k].item<float>())));
  }
}

ModelOptions small(Readout readout) {
  ModelOptions o;
  o.input_dim = 12;
  o.hidden = 32;
  o.ffn_hidden = 64;
  o.ffn_groups = 4;
  o.blocks = 2;
  o.readout = readout;
  return o;
}

TEST(LiteModel, EqualsTorchWithFusionReadoutOnCells) {
  const CellTokenizer tokenizer{CellTokenizerOptions{}};
  std::vector<TokenSequence> cells;
  cells.push_back(tokenizer.tokenize(to_graph(parse_nb101_cell(
      "0100110001000000010010000010000001000000010000000",
      "input|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|output"))));
  cells.push_back(tokenizer.tokenize(to_graph(
      make_nb101_cell({{0, 1, 0}, {0, 0, 1}, {0, 0, 0}}, {"input", "maxpool3x3", "output"}))));
  ModelOptions o = small(Readout::kFusion);
  o.input_dim = cells[0].feature_dim;
  o.blocks = 3;
  expect_lite_equals_torch(o, cells);
}

TEST(LiteModel, EqualsTorchWithMeanReadoutWithoutDegreeGate) {
  ModelOptions o = small(Readout::kMean);
  o.use_degree = false;
  expect_lite_equals_torch(o, graphs(o.input_dim, 0, false));
}

TEST(LiteModel, EqualsTorchWithSumReadoutStaticFeaturesAndTwoHeads) {
  ModelOptions o = small(Readout::kSum);
  o.static_dim = 5;
  o.num_heads = 2;
  expect_lite_equals_torch(o, graphs(o.input_dim, o.static_dim, false));
}

TEST(LiteModel, EqualsTorchWithCostReadoutAndTwoHeads) {
  ModelOptions o = small(Readout::kCost);
  o.num_heads = 2;
  expect_lite_equals_torch(o, graphs(o.input_dim, 0, true));
}

// Per node: the model's shares add up to its prediction, and the prior's shares to the fitted
// linear cost model's prediction (data/cost_prior.h computes that one on its own). The
// correction moves the nodes by different factors, so the two columns differ node by node.
TEST(LiteModel, NodeLatenciesAddUpToThePredictionAndTheLinearModel) {
  torch::manual_seed(5);
  ModelOptions o = small(Readout::kCost);
  o.num_heads = 2;
  NarFormerModel model(o);
  randomize(model);
  model->eval();
  const LiteModel lite(o, model_weights(model), "test weights");
  for (const TokenSequence& t : graphs(o.input_dim, 0, true)) {
    for (int64_t head = 0; head < 2; ++head) {
      const std::vector<NodeLatency> nodes = lite.node_latencies(t, head);
      ASSERT_EQ(static_cast<int>(nodes.size()), t.num_nodes);
      double model_sum = 0, prior_sum = 0;
      std::set<long> factors;  // correction factors in 1e-3 steps
      for (const NodeLatency& node : nodes) {
        model_sum += node.latency_ms;
        prior_sum += node.prior_ms;
        EXPECT_GE(node.latency_ms, 0.0);
        if (node.prior_ms > 1e-6)
          factors.insert(std::lround(1e3 * node.latency_ms / node.prior_ms));
      }
      const double predicted = lite.predict(t, head);
      EXPECT_NEAR(model_sum, predicted, 1e-9 * predicted) << t.num_nodes << " nodes, head " << head;
      const double linear = linear_cost_predictions({std::make_shared<const TokenSequence>(t)},
                                                    {head}, model->cost_rates())[0];
      EXPECT_NEAR(prior_sum, linear, 1e-5 * linear) << t.num_nodes << " nodes, head " << head;
      if (t.num_nodes > 3) EXPECT_GT(factors.size(), 1u) << "one correction factor for every node";
    }
  }
  // Other readouts predict from the whole graph's vector: no per-node parts to report.
  NarFormerModel sum_model(small(Readout::kSum));
  const LiteModel sum_lite(small(Readout::kSum), model_weights(sum_model), "w");
  EXPECT_THROW(sum_lite.node_latencies(graphs(12, 0, true)[1]), ConfigError);
  EXPECT_THROW(lite.node_latencies(graphs(12, 0, true)[1], 2), DataError);  // two heads only
}

TEST(LiteModel, RejectsWeightsOfAnotherModelAndTokensThatDoNotFit) {
  torch::manual_seed(3);
  NarFormerModel model(small(Readout::kSum));
  const WeightFile weights = model_weights(model);
  ModelOptions wider = small(Readout::kSum);
  wider.hidden = 64;
  EXPECT_THROW(LiteModel(wider, weights, "w"), RunError);
  EXPECT_THROW(LiteModel(small(Readout::kCost), weights, "w"), RunError);  // no cost layers
  const LiteModel lite(small(Readout::kSum), weights, "w");
  const std::vector<TokenSequence> narrow = graphs(7, 0, false);
  EXPECT_THROW(lite.predict(narrow[1]), DataError);
  EXPECT_THROW(lite.predict(graphs(12, 0, false)[1], 1), DataError);  // one head only
}

}  // namespace
}  // namespace narformer
