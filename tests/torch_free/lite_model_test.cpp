// The torch-free forward pass gives NarFormerModel's numbers, for every readout and head.
#include "narformer/torch_free/lite_model.h"

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
#include "parity.h"

namespace narformer {
namespace {

using testing::expect_lite_equals_torch;
using testing::graphs;
using testing::randomize;
using testing::small;

TEST(LiteModel, EqualsTorchWithFusionReadoutOnCells) {
  const CellTokenizer tokenizer{CellTokenizerOptions{}};
  std::vector<TokenSequence> cells;
  cells.push_back(tokenizer.tokenize(to_graph(parse_nb101_cell(
      "0100110001000000010010000010000001000000010000000",
      "input|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|output"))));
  cells.push_back(tokenizer.tokenize(to_graph(
      make_nb101_cell({{0, 1, 0}, {0, 0, 1}, {0, 0, 0}}, {"input", "maxpool3x3", "output"}))));
  ModelOptions o = small(&fusion_readout());
  o.input_dim = cells[0].feature_dim;
  o.blocks = 3;
  expect_lite_equals_torch(o, cells);
}

TEST(LiteModel, EqualsTorchWithMeanReadoutWithoutDegreeGate) {
  ModelOptions o = small(&mean_readout());
  o.use_degree = false;
  expect_lite_equals_torch(o, graphs(o.input_dim, 0, false));
}

TEST(LiteModel, EqualsTorchWithSumReadoutStaticFeaturesAndTwoHeads) {
  ModelOptions o = small(&sum_readout());
  o.static_dim = 5;
  o.num_heads = 2;
  expect_lite_equals_torch(o, graphs(o.input_dim, o.static_dim, false));
}

TEST(LiteModel, EqualsTorchWithCostReadoutAndTwoHeads) {
  ModelOptions o = small(&cost_readout());
  o.num_heads = 2;
  expect_lite_equals_torch(o, graphs(o.input_dim, 0, true));
}

// Per node: the model's shares add up to its prediction, and the prior's shares to the fitted
// linear cost model's prediction (data/cost_prior.h computes that one on its own). The
// correction moves the nodes by different factors, so the two columns differ node by node.
TEST(LiteModel, NodeLatenciesAddUpToThePredictionAndTheLinearModel) {
  torch::manual_seed(5);
  ModelOptions o = small(&cost_readout());
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
  NarFormerModel sum_model(small(&sum_readout()));
  const LiteModel sum_lite(small(&sum_readout()), model_weights(sum_model), "w");
  EXPECT_THROW(sum_lite.node_latencies(graphs(12, 0, true)[1]), ConfigError);
  EXPECT_THROW(lite.node_latencies(graphs(12, 0, true)[1], 2), DataError);  // two heads only
}

TEST(LiteModel, RejectsWeightsOfAnotherModelAndTokensThatDoNotFit) {
  torch::manual_seed(3);
  NarFormerModel model(small(&sum_readout()));
  const WeightFile weights = model_weights(model);
  ModelOptions wider = small(&sum_readout());
  wider.hidden = 64;
  EXPECT_THROW(LiteModel(wider, weights, "w"), RunError);
  EXPECT_THROW(LiteModel(small(&cost_readout()), weights, "w"), RunError);  // no cost layers
  const LiteModel lite(small(&sum_readout()), weights, "w");
  const std::vector<TokenSequence> narrow = graphs(7, 0, false);
  EXPECT_THROW(lite.predict(narrow[1]), DataError);
  EXPECT_THROW(lite.predict(graphs(12, 0, false)[1], 1), DataError);  // one head only
}

}  // namespace
}  // namespace narformer
