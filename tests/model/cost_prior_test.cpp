#include "narformer/model/cost_prior.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>

#include "narformer/core/error.h"

namespace narformer {
namespace {

/// Graph `g` of a deterministic family: 1 to 9 nodes with varied values in every node-cost
/// column, so that every rate is identifiable.
TokenSequence varied_graph(int g) {
  TokenSequence t;
  t.num_nodes = 1 + g % 5 + 2 * (g % 3);
  t.feature_dim = 1;
  t.features.assign(static_cast<size_t>(t.num_nodes), 0.0f);
  std::mt19937 rng(static_cast<uint32_t>(g));  // raw mt19937 output is the same everywhere
  for (int i = 0; i < t.num_nodes; ++i)
    for (int c = 0; c < kNodeCostDims; ++c)
      t.node_costs.push_back(0.001f * static_cast<float>(rng() % 1000));
  return t;
}

std::vector<TokenSequence> varied_graphs() {
  std::vector<TokenSequence> graphs;
  for (int g = 0; g < 24; ++g) graphs.push_back(varied_graph(g));
  return graphs;
}

/// Rates of the right size for any kNodeCostDims: `first`, then each next one `ratio` times the
/// last.
CostRates geometric_rates(double first, double ratio) {
  CostRates r{};
  for (int c = 0; c < kNodeCostDims; ++c) r[c] = first * std::pow(ratio, c);
  return r;
}

TEST(CostRates, RecoverAnExactLinearModel) {
  const std::vector<TokenSequence> graphs = varied_graphs();
  const CostRates truth = geometric_rates(8.0, 0.5);
  std::vector<const TokenSequence*> pointers;
  std::vector<double> latencies;
  for (const auto& g : graphs) {
    pointers.push_back(&g);
    latencies.push_back(linear_cost_prediction(g, truth));
  }
  const CostRates fitted = fit_cost_rates(pointers, latencies);
  for (int c = 0; c < kNodeCostDims; ++c)
    EXPECT_NEAR(fitted[c], truth[c], 1e-6 * truth[c]) << "column " << c;
}

TEST(CostRates, StayNonNegativeAndKeepADroppedColumnAlive) {
  // Latency falls with memory here: plain least squares would give memory a negative rate.
  const std::vector<TokenSequence> graphs = varied_graphs();
  std::vector<const TokenSequence*> pointers;
  std::vector<double> latencies;
  for (const auto& g : graphs) {
    pointers.push_back(&g);
    CostRates rates = geometric_rates(5.0, 0.7);
    rates[kOutputMelem] = -2.0;
    latencies.push_back(std::max(0.05, linear_cost_prediction(g, rates)));
  }
  const CostRates fitted = fit_cost_rates(pointers, latencies);
  for (int c = 0; c < kNodeCostDims; ++c) EXPECT_GT(fitted[c], 0.0) << "column " << c;
  // Memory is a dropped column: it keeps 1 % of the rate it would get alone.
  double sum = 0, sum_sq = 0;
  for (size_t g = 0; g < graphs.size(); ++g) {
    double memory = 0;
    for (int i = 0; i < graphs[g].num_nodes; ++i)
      memory += graphs[g].node_costs[static_cast<size_t>(i * kNodeCostDims + kOutputMelem)];
    sum += memory / latencies[g];
    sum_sq += memory * memory / (latencies[g] * latencies[g]);
  }
  EXPECT_NEAR(fitted[kOutputMelem], 0.01 * sum / sum_sq, 1e-9);
}

TEST(CostRates, OneFitPerHeadAndPredictionsWithEachItemsHead) {
  const CostRates fast = geometric_rates(1.0, 0.3), slow = geometric_rates(10.0, 0.6);
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
  for (size_t i = 0; i < graphs.size(); ++i)
    EXPECT_NEAR(predictions[i], latencies[i], 1e-6 * latencies[i]) << i;
  // No heads given: everything is head 0.
  EXPECT_NEAR(linear_cost_predictions(graphs, {}, fitted)[1],
              linear_cost_prediction(*graphs[1], fast), 1e-12);
  // A head without training graphs cannot be fitted.
  EXPECT_THROW(fit_cost_rates_per_head(graphs, latencies, heads, 3), DataError);
}

TEST(CostRates, DescribeNamesEveryColumnWithItsUnit) {
  CostRates rates{};
  rates[kSpatialConvGflop] = 5.5;
  rates[kOtherOperator] = 0.002;
  EXPECT_EQ(describe_cost_rates(rates),
            "5.5 ms/GFLOP spatial conv + 0 ms/GFLOP pointwise conv + 0 ms/GFLOP grouped conv + 0 "
            "ms/GFLOP matmul + "
            "0 ms/G pooling windows + 0 ms/M elements written + 0 ms/M weights read + 0 ms/library "
            "call + "
            "0.002 ms/other operator");
}

TEST(CostRates, RejectCellTokensAndBadLatencies) {
  TokenSequence cell;
  cell.num_nodes = 2;
  cell.feature_dim = 1;
  cell.features = {0, 0};
  EXPECT_THROW(fit_cost_rates({&cell}, {1.0}), DataError);
  const TokenSequence g = varied_graph(1);
  EXPECT_THROW(fit_cost_rates({&g}, {0.0}), DataError);
  EXPECT_THROW(fit_cost_rates({&g}, {std::nan("")}), DataError);
  EXPECT_THROW(fit_cost_rates({&g, &g}, {1.0}), DataError);
  EXPECT_THROW(fit_cost_rates({}, {}), DataError);
}

}  // namespace
}  // namespace narformer
