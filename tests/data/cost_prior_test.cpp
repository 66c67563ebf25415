#include "narformer/data/cost_prior.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "narformer/core/error.h"

namespace narformer {
namespace {

/// A graph whose nodes carry the given (GFLOP, M elements) costs.
TokenSequence graph_with(const std::vector<std::pair<float, float>>& nodes) {
  TokenSequence t;
  t.num_nodes = static_cast<int>(nodes.size());
  t.feature_dim = 1;
  t.features.assign(nodes.size(), 0.0f);
  for (const auto& [flops, memory] : nodes) t.node_costs.insert(t.node_costs.end(), {flops, memory, 1.0f});
  return t;
}

std::vector<TokenSequence> varied_graphs() {
  std::vector<TokenSequence> graphs;
  for (int g = 0; g < 12; ++g) {
    std::vector<std::pair<float, float>> nodes;
    for (int i = 0; i <= g % 5 + 2 * (g % 3); ++i)
      nodes.emplace_back(0.1f * static_cast<float>((g * 7 + i * 3) % 11), 0.05f * static_cast<float>((g * 5 + i) % 13));
    graphs.push_back(graph_with(nodes));
  }
  return graphs;
}

TEST(CostRates, RecoverAnExactLinearModel) {
  const std::vector<TokenSequence> graphs = varied_graphs();
  const CostRates truth{8.0, 0.25, 0.01};
  std::vector<const TokenSequence*> pointers;
  std::vector<double> latencies;
  for (const auto& g : graphs) {
    pointers.push_back(&g);
    latencies.push_back(linear_cost_prediction(g, truth));
  }
  const CostRates fitted = fit_cost_rates(pointers, latencies);
  for (int c = 0; c < kNodeCostDims; ++c) EXPECT_NEAR(fitted[c], truth[c], 1e-6 * truth[c]) << "column " << c;
}

TEST(CostRates, StayNonNegativeAndKeepADroppedColumnAlive) {
  // Latency falls with memory here: plain least squares would give memory a negative rate.
  const std::vector<TokenSequence> graphs = varied_graphs();
  std::vector<const TokenSequence*> pointers;
  std::vector<double> latencies;
  for (const auto& g : graphs) {
    pointers.push_back(&g);
    latencies.push_back(std::max(0.05, linear_cost_prediction(g, {5.0, -2.0, 0.5})));
  }
  const CostRates fitted = fit_cost_rates(pointers, latencies);
  for (int c = 0; c < kNodeCostDims; ++c) EXPECT_GT(fitted[c], 0.0) << "column " << c;
  // Memory is the dropped column: it keeps 1 % of the rate it would get alone.
  double sum = 0, sum_sq = 0;
  for (size_t g = 0; g < graphs.size(); ++g) {
    double memory = 0;
    for (int i = 0; i < graphs[g].num_nodes; ++i) memory += graphs[g].node_costs[static_cast<size_t>(i * kNodeCostDims + 1)];
    sum += memory / latencies[g];
    sum_sq += memory * memory / (latencies[g] * latencies[g]);
  }
  EXPECT_NEAR(fitted[1], 0.01 * sum / sum_sq, 1e-9);
}

TEST(CostRates, OneFitPerHeadAndPredictionsWithEachItemsHead) {
  const CostRates fast{1.0, 0.1, 0.001}, slow{10.0, 1.0, 0.05};
  std::vector<TokenPtr> graphs;
  std::vector<double> latencies;
  std::vector<int64_t> heads;
  for (const TokenSequence& g : varied_graphs())
    for (int64_t head : {0, 1}) {
      graphs.push_back(std::make_shared<const TokenSequence>(g));
      latencies.push_back(linear_cost_prediction(g, head == 0 ? fast : slow));
      heads.push_back(head);
    }
  const std::vector<CostRates> fitted = fit_cost_rates_per_head(graphs, latencies, heads, 2);
  ASSERT_EQ(fitted.size(), 2u);
  for (int c = 0; c < kNodeCostDims; ++c) {
    EXPECT_NEAR(fitted[0][c], fast[c], 1e-6 * fast[c]) << "column " << c;
    EXPECT_NEAR(fitted[1][c], slow[c], 1e-6 * slow[c]) << "column " << c;
  }
  const std::vector<double> predictions = linear_cost_predictions(graphs, heads, fitted);
  ASSERT_EQ(predictions.size(), graphs.size());
  for (size_t i = 0; i < graphs.size(); ++i) EXPECT_NEAR(predictions[i], latencies[i], 1e-6 * latencies[i]) << i;
  // No heads given: everything is head 0.
  EXPECT_NEAR(linear_cost_predictions(graphs, {}, fitted)[1], linear_cost_prediction(*graphs[1], fast), 1e-12);
  // A head without training graphs cannot be fitted.
  EXPECT_THROW(fit_cost_rates_per_head(graphs, latencies, heads, 3), DataError);
}

TEST(CostRates, RejectCellTokensAndBadLatencies) {
  TokenSequence cell;
  cell.num_nodes = 2;
  cell.feature_dim = 1;
  cell.features = {0, 0};
  EXPECT_THROW(fit_cost_rates({&cell}, {1.0}), DataError);
  const TokenSequence g = graph_with({{1.0f, 1.0f}});
  EXPECT_THROW(fit_cost_rates({&g}, {0.0}), DataError);
  EXPECT_THROW(fit_cost_rates({&g}, {std::nan("")}), DataError);
  EXPECT_THROW(fit_cost_rates({&g, &g}, {1.0}), DataError);
  EXPECT_THROW(fit_cost_rates({}, {}), DataError);
}

}  // namespace
}  // namespace narformer
